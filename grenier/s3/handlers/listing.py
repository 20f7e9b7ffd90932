"""ListObjects (V1), ListObjectsV2, ListObjectVersions, ListMultipartUploads."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

from grenier.engine import ListEntry, ListPage, Upload
from grenier.s3 import xml
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.httputil import iso8601, quote_etag
from grenier.s3.owner import bucket_owner_xml

Encoder = Callable[[str], str]


def _plain(value: str) -> str:
    return value


def _url(value: str) -> str:
    return quote(value, safe="/")


def encoder(req: S3Request) -> Encoder:
    kind = req.query.get("encoding-type")
    if kind is None:
        return _plain
    if kind != "url":
        raise S3Error(
            "InvalidArgument",
            message="Invalid Encoding Method specified in Request",
            extra={"ArgumentName": "encoding-type", "ArgumentValue": kind},
        )
    return _url


def max_keys(req: S3Request, name: str = "max-keys") -> int:
    raw = req.query.get(name, "1000")
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise S3Error(
            "InvalidArgument",
            message=f"Provided {name} not an integer or within integer range",
            extra={"ArgumentName": name, "ArgumentValue": raw},
        )
    return min(value, 1000)


def contents(entry: ListEntry, enc: Encoder, owner: str) -> str:
    # Formatted directly: a page holds up to 1,000 of these. Only the key needs escaping.
    sums = "".join(f"<ChecksumAlgorithm>{a}</ChecksumAlgorithm>" for a in entry.checksum_algorithms)
    return (
        f"<Contents><Key>{xml.esc(enc(entry.key))}</Key>"
        f"<LastModified>{iso8601(entry.last_modified)}</LastModified>"
        f'<ETag>"{entry.etag}"</ETag><Size>{entry.size}</Size>'
        f"<StorageClass>STANDARD</StorageClass>{sums}{owner}</Contents>"
    )


def prefixes_xml(page: ListPage, enc: Encoder) -> str:
    return "".join(
        "<CommonPrefixes>" + xml.el("Prefix", enc(p)) + "</CommonPrefixes>"
        for p in page.common_prefixes
    )


def _list(req: S3Request, marker: str, limit: int) -> ListPage:
    q = req.query
    if limit == 0:
        req.engine.get_bucket(req.require_bucket())
        return ListPage([], [], False)
    return req.engine.list_objects(
        req.require_bucket(),
        prefix=q.get("prefix", ""),
        delimiter=q.get("delimiter", ""),
        marker=marker,
        max_keys=limit,
    )


def _common(req: S3Request, enc: Encoder, limit: int, page: ListPage) -> list[str]:
    q = req.query
    return [
        xml.el("Name", req.require_bucket()),
        xml.el("Prefix", enc(q.get("prefix", ""))),
        xml.opt("Delimiter", enc(q["delimiter"]) if q.get("delimiter") else None),
        xml.el("MaxKeys", limit if "max-keys" in q else 1000),
        xml.opt("EncodingType", q.get("encoding-type")),
        xml.el("IsTruncated", "true" if page.is_truncated else "false"),
    ]


@handles("ListObjects")
async def list_objects_v1(req: S3Request) -> web.StreamResponse:
    enc = encoder(req)
    limit = max_keys(req)
    marker = req.query.get("marker", "")
    page = _list(req, marker, limit)
    parts = _common(req, enc, limit, page)
    parts.append(xml.el("Marker", enc(marker)))
    if page.is_truncated and req.query.get("delimiter") and page.next_key:
        parts.append(xml.el("NextMarker", enc(page.next_key)))
    owner = bucket_owner_xml(req) if page.entries else ""
    parts += [contents(e, enc, owner) for e in page.entries]
    parts.append(prefixes_xml(page, enc))
    return xml_response_ok(xml.doc("ListBucketResult", parts))


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8", "surrogatepass")).decode()


def decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8", "surrogatepass")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise S3Error(
            "InvalidArgument",
            message="The continuation token provided is incorrect",
            extra={"ArgumentName": "continuation-token"},
        ) from exc


@handles("ListObjectsV2")
async def list_objects_v2(req: S3Request) -> web.StreamResponse:
    enc = encoder(req)
    limit = max_keys(req)
    q = req.query
    token = q.get("continuation-token")
    if token is not None:
        if token == "":
            raise S3Error(
                "InvalidArgument",
                message="The continuation token provided is incorrect",
                extra={"ArgumentName": "continuation-token"},
            )
        marker = decode_token(token)
    else:
        marker = q.get("start-after", "")
    page = _list(req, marker, limit)
    parts = _common(req, enc, limit, page)
    parts.append(xml.el("KeyCount", len(page.entries) + len(page.common_prefixes)))
    if token is not None:
        parts.append(xml.el("ContinuationToken", token))
    if "start-after" in q:
        parts.append(xml.el("StartAfter", enc(q["start-after"])))
    if page.is_truncated and page.next_key is not None:
        parts.append(xml.el("NextContinuationToken", encode_token(page.next_key)))
    fetch = q.get("fetch-owner", "").lower() == "true" and page.entries
    owner = bucket_owner_xml(req) if fetch else ""
    parts += [contents(e, enc, owner) for e in page.entries]
    parts.append(prefixes_xml(page, enc))
    return xml_response_ok(xml.doc("ListBucketResult", parts))


def xml_response_ok(body: bytes) -> web.Response:
    resp = web.Response(body=body)
    resp.content_type = "application/xml"
    return resp


def version_xml(entry: ListEntry, enc: Encoder, owner: str) -> str:
    common = [
        xml.el("Key", enc(entry.key)),
        xml.el("VersionId", entry.version_id),
        xml.el("IsLatest", "true" if entry.is_latest else "false"),
        xml.el("LastModified", iso8601(entry.last_modified)),
    ]
    if entry.delete_marker:
        return "<DeleteMarker>" + "".join(common) + owner + "</DeleteMarker>"
    common += [
        xml.el("ETag", quote_etag(entry.etag)),
        xml.el("Size", entry.size),
        xml.el("StorageClass", "STANDARD"),
    ]
    common += [xml.el("ChecksumAlgorithm", alg) for alg in entry.checksum_algorithms]
    return "<Version>" + "".join(common) + owner + "</Version>"


@handles("ListObjectVersions")
async def list_versions(req: S3Request) -> web.StreamResponse:
    enc = encoder(req)
    limit = max_keys(req)
    q = req.query
    key_marker = q.get("key-marker", "")
    vid_marker = q.get("version-id-marker", "")
    if vid_marker and not key_marker:
        raise S3Error(
            "InvalidArgument",
            message="A version-id marker cannot be specified without a key marker.",
            extra={"ArgumentName": "version-id-marker", "ArgumentValue": vid_marker},
        )
    if limit == 0:
        req.engine.get_bucket(req.require_bucket())
        page = ListPage([], [], False)
    else:
        page = req.engine.list_versions(
            req.require_bucket(),
            prefix=q.get("prefix", ""),
            delimiter=q.get("delimiter", ""),
            key_marker=key_marker,
            version_id_marker=vid_marker,
            max_keys=limit,
        )
    parts = [
        xml.el("Name", req.require_bucket()),
        xml.el("Prefix", enc(q.get("prefix", ""))),
        xml.el("KeyMarker", enc(key_marker)),
        xml.el("VersionIdMarker", vid_marker),
        xml.el("MaxKeys", limit),
        xml.opt("Delimiter", enc(q["delimiter"]) if q.get("delimiter") else None),
        xml.opt("EncodingType", q.get("encoding-type")),
        xml.el("IsTruncated", "true" if page.is_truncated else "false"),
    ]
    if page.is_truncated and page.next_key is not None:
        parts.append(xml.el("NextKeyMarker", enc(page.next_key)))
        parts.append(xml.opt("NextVersionIdMarker", page.next_version_id))
    owner = bucket_owner_xml(req) if page.entries else ""
    parts += [version_xml(e, enc, owner) for e in page.entries]
    parts.append(prefixes_xml(page, enc))
    return xml_response_ok(xml.doc("ListVersionsResult", parts))


@handles("ListMultipartUploads")
async def list_uploads(req: S3Request) -> web.StreamResponse:
    enc = encoder(req)
    limit = max_keys(req, "max-uploads")
    q = req.query
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    key_marker, id_marker = q.get("key-marker", ""), q.get("upload-id-marker", "")
    uploads = req.engine.list_uploads(
        req.require_bucket(),
        prefix=prefix,
        key_marker=key_marker,
        upload_id_marker=id_marker if key_marker else "",
        limit=max(limit, 1),
    )
    entries: list[Upload] = []
    prefixes: list[str] = []
    truncated = False
    for up in uploads:
        if len(entries) + len(prefixes) >= limit:
            truncated = True
            break
        if delimiter:
            cut = up.key.find(delimiter, len(prefix))
            if cut >= 0:
                common = up.key[: cut + len(delimiter)]
                if common not in prefixes:
                    prefixes.append(common)
                continue
        entries.append(up)
    parts = [
        xml.el("Bucket", req.require_bucket()),
        xml.el("KeyMarker", enc(key_marker)),
        xml.el("UploadIdMarker", id_marker),
        xml.el("Prefix", enc(prefix)),
        xml.opt("Delimiter", enc(delimiter) if delimiter else None),
        xml.el("MaxUploads", limit),
        xml.opt("EncodingType", q.get("encoding-type")),
        xml.el("IsTruncated", "true" if truncated else "false"),
    ]
    if truncated and entries:
        parts.append(xml.el("NextKeyMarker", enc(entries[-1].key)))
        parts.append(xml.el("NextUploadIdMarker", entries[-1].upload_id))
    for up in entries:
        parts.append(
            "<Upload>"
            + xml.el("Key", enc(up.key))
            + xml.el("UploadId", up.upload_id)
            + bucket_owner_xml(req, "Initiator")
            + bucket_owner_xml(req)
            + xml.el("StorageClass", "STANDARD")
            + xml.el("Initiated", iso8601(up.created))
            + "</Upload>"
        )
    parts += ["<CommonPrefixes>" + xml.el("Prefix", enc(p)) + "</CommonPrefixes>" for p in prefixes]
    return xml_response_ok(xml.doc("ListMultipartUploadsResult", parts))
