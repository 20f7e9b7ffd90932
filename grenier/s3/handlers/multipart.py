"""Multipart uploads: create, upload part, complete, abort, list parts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grenier.engine import MAX_PARTS, CompletedPart, Part, Upload
from grenier.iam.request_keys import upload_context_headers
from grenier.s3 import objectmeta, writechecks, xml
from grenier.s3.auth import ALGORITHMS, combine_crc, composite_checksum, multipart_etag
from grenier.s3.body import request_body
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.listing import max_keys
from grenier.s3.handlers.put import check_key, checksum_headers, version_headers, write_conditions
from grenier.s3.httputil import iso8601, quote_etag, unquote_etag
from grenier.s3.owner import bucket_owner_xml
from grenier.s3.responses import empty, xml_response

CRC_ALGORITHMS = {"CRC32", "CRC32C", "CRC64NVME"}


def upload_id(req: S3Request) -> str:
    return req.query.get("uploadId", "")


def part_number(req: S3Request) -> int:
    raw = req.query.get("partNumber", "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTS:
        raise S3Error(
            "InvalidArgument",
            message="Part number must be an integer between 1 and 10000, inclusive",
            extra={"ArgumentName": "partNumber", "ArgumentValue": raw},
        )
    return int(raw)


def _checksum_choice(req: S3Request) -> tuple[str | None, str | None]:
    alg = req.headers.get("x-amz-checksum-algorithm")
    kind = req.headers.get("x-amz-checksum-type")
    if alg is not None:
        alg = alg.upper()
        if alg not in ALGORITHMS:
            raise S3Error("InvalidRequest", message="Checksum algorithm provided is unsupported.")
    if kind is not None:
        kind = kind.upper()
        if kind not in ("COMPOSITE", "FULL_OBJECT") or alg is None:
            raise S3Error(
                "InvalidRequest",
                message="The x-amz-checksum-type header can only be used "
                "with the x-amz-checksum-algorithm header.",
            )
        if (
            kind == "COMPOSITE"
            and alg == "CRC64NVME"
            or kind == "FULL_OBJECT"
            and alg not in CRC_ALGORITHMS
        ):
            raise S3Error(
                "InvalidRequest",
                message=f"The {kind} checksum type cannot be used with the "
                f"{alg} checksum algorithm.",
            )
    elif alg is not None:
        kind = "FULL_OBJECT" if alg == "CRC64NVME" else "COMPOSITE"
    return alg, kind


@handles("CreateMultipartUpload")
async def create_upload(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    check_key(key)
    object_meta = objectmeta.from_headers(req.headers)
    object_meta.update(await writechecks.object_acl(req, req.bucket_state()))
    meta: dict[str, Any] = {
        "meta": object_meta,
        "tags": objectmeta.parse_tagging_header(req.headers.get("x-amz-tagging")),
        # The headers policy conditions read, judged again with every part (authz).
        "request": upload_context_headers(req.headers),
    }
    alg, kind = _checksum_choice(req)
    upload = await req.engine.create_upload(bucket, key, meta, alg, kind)
    headers = {}
    if alg:
        headers = {"x-amz-checksum-algorithm": alg, "x-amz-checksum-type": kind or "COMPOSITE"}
    body_xml = xml.doc(
        "InitiateMultipartUploadResult",
        [xml.el("Bucket", bucket), xml.el("Key", key), xml.el("UploadId", upload.upload_id)],
    )
    return xml_response(body_xml, headers=headers)


@handles("UploadPart")
async def upload_part(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    number = part_number(req)
    uid = upload_id(req)
    upload = req.engine.get_upload(bucket, key, uid)
    writechecks.check_quota(req, req.bucket_state(), (uid, number))
    body = request_body(req, default_algorithm=upload.checksum_algorithm)
    part = await req.engine.upload_part(bucket, key, uid, number, body)
    headers = {"ETag": quote_etag(part.etag)}
    headers.update(checksum_headers(part.checksums))
    return empty(200, headers)


@handles("AbortMultipartUpload")
async def abort_upload(req: S3Request) -> web.StreamResponse:
    bucket, key, uid = req.require_bucket(), req.require_key(), upload_id(req)
    await req.engine.abort_upload(bucket, key, uid)
    return empty(204)


def _requested_parts(data: bytes) -> list[CompletedPart]:
    root = xml.parse(data, "CompleteMultipartUpload")
    parts: list[CompletedPart] = []
    for item in xml.children(root, "Part"):
        raw = (xml.text(item, "PartNumber") or "").strip()
        if not raw.isdigit():
            raise S3Error("MalformedXML")
        sums = {}
        for alg in ALGORITHMS:
            value = xml.text(item, f"Checksum{alg}")
            if value:
                sums[alg] = value
        etag = unquote_etag(xml.text(item, "ETag") or "")
        parts.append(CompletedPart(int(raw), etag, sums))
    if not parts:
        raise S3Error("MalformedXML")
    return parts


def _object_checksums(upload: Upload, parts: list[Part]) -> dict[str, str]:
    alg = upload.checksum_algorithm
    if not alg:
        return {}
    values = [p.checksums.get(alg) for p in parts]
    if any(v is None for v in values):
        return {}
    if upload.checksum_type == "FULL_OBJECT":
        return {
            alg: combine_crc(alg, [(v or "", p.size) for v, p in zip(values, parts, strict=True)])
        }
    return {alg: composite_checksum(alg, [v or "" for v in values])}


@handles("CompleteMultipartUpload")
async def complete_upload(req: S3Request) -> web.StreamResponse:
    bucket, key, uid = req.require_bucket(), req.require_key(), upload_id(req)
    requested = _requested_parts(await req.http.read())
    cond = write_conditions(req)
    state = req.bucket_state()
    obj, upload = await req.engine.complete_upload(
        bucket,
        key,
        uid,
        requested,
        lambda chosen: multipart_etag([p.etag for p in chosen]),
        _object_checksums,
        cond,
    )
    location = f"{req.http.scheme}://{req.http.host}/{bucket}/{key}"
    fields = [
        xml.el("Location", location),
        xml.el("Bucket", bucket),
        xml.el("Key", key),
        xml.el("ETag", quote_etag(obj.etag)),
    ]
    fields += [xml.el(f"Checksum{alg}", v) for alg, v in obj.checksums.items()]
    if obj.checksums:
        fields.append(xml.el("ChecksumType", upload.checksum_type or "COMPOSITE"))
    return xml_response(
        xml.doc("CompleteMultipartUploadResult", fields),
        headers=version_headers(req, obj.version_id, state.versioning),
    )


@handles("ListParts")
async def list_parts(req: S3Request) -> web.StreamResponse:
    bucket, key, uid = req.require_bucket(), req.require_key(), upload_id(req)
    upload = req.engine.get_upload(bucket, key, uid)
    limit = max_keys(req, "max-parts")
    raw_marker = req.query.get("part-number-marker", "0") or "0"
    if not raw_marker.isdigit():
        raise S3Error(
            "InvalidArgument",
            extra={"ArgumentName": "part-number-marker", "ArgumentValue": raw_marker},
        )
    marker = int(raw_marker)
    parts = req.engine.list_parts(uid, marker, limit + 1)
    truncated = len(parts) > limit
    parts = parts[:limit]
    fields = [
        xml.el("Bucket", bucket),
        xml.el("Key", key),
        xml.el("UploadId", uid),
        xml.el("PartNumberMarker", marker),
        xml.el("NextPartNumberMarker", parts[-1].number if parts else 0),
        xml.el("MaxParts", limit),
        xml.el("IsTruncated", "true" if truncated else "false"),
        bucket_owner_xml(req, "Initiator"),
        bucket_owner_xml(req),
        xml.el("StorageClass", "STANDARD"),
        xml.opt("ChecksumAlgorithm", upload.checksum_algorithm),
        xml.opt("ChecksumType", upload.checksum_type),
    ]
    for p in parts:
        sums = "".join(xml.el(f"Checksum{alg}", v) for alg, v in p.checksums.items())
        fields.append(
            "<Part>"
            + xml.el("PartNumber", p.number)
            + xml.el("LastModified", iso8601(p.last_modified))
            + xml.el("ETag", quote_etag(p.etag))
            + xml.el("Size", p.size)
            + sums
            + "</Part>"
        )
    return xml_response(xml.doc("ListPartsResult", fields))
