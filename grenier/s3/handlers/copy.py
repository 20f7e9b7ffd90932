"""CopyObject and UploadPartCopy.

The source is opened through the engine (its row and its data files at once), so a
concurrent overwrite of the source cannot fail the copy: the engine links or copies the
bytes of the version that was opened.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from aiohttp import web

from grenier.engine import OpenedObject
from grenier.s3 import objectmeta, writechecks, xml
from grenier.s3.auth import ALGORITHMS, new_checksum
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.multipart import part_number, upload_id
from grenier.s3.handlers.put import check_key, version_headers, write_conditions
from grenier.s3.httputil import ByteRange, check_read_conditions, iso8601, quote_etag
from grenier.s3.responses import xml_response

ILLEGAL_SELF_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without "
    "changing the object's metadata, storage class, website redirect location or encryption "
    "attributes."
)


def parse_source(req: S3Request) -> tuple[str, str, str | None]:
    raw = req.headers.get("x-amz-copy-source", "")
    path, _, query = raw.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise S3Error(
            "InvalidArgument",
            message="Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            extra={"ArgumentName": "x-amz-copy-source", "ArgumentValue": raw},
        )
    version = dict(parse_qsl(query)).get("versionId") if query else None
    return bucket, key, version


def open_source(req: S3Request) -> tuple[OpenedObject, str | None]:
    """The copy source, authorized, opened and checked (close it when done)."""
    bucket, key, version = parse_source(req)
    if req.service.item_authorizer is not None:
        req.service.item_authorizer(req, "GetObject:source", f"{bucket}/{key}", version)
    source = req.engine.open_object(bucket, key, version)
    try:
        obj = source.version
        if obj.delete_marker:
            raise S3Error(
                "InvalidRequest",
                message="The source of a copy request may not specifically "
                "refer to a delete marker by version id.",
            )
        check_read_conditions(req.headers, obj.etag, obj.last_modified, prefix="x-amz-copy-source-")
    except BaseException:
        source.close()
        raise
    return source, version


@handles("CopyObject")
async def copy_object(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    check_key(key)
    source, src_version = open_source(req)
    with source:
        return await _copy(req, bucket, key, source, src_version)


async def _copy(
    req: S3Request, bucket: str, key: str, source: OpenedObject, src_version: str | None
) -> web.StreamResponse:
    src = source.version
    directive = req.headers.get("x-amz-metadata-directive", "COPY").upper()
    tag_directive = req.headers.get("x-amz-tagging-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE") or tag_directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", message="Unknown metadata directive.")
    if directive == "REPLACE":
        meta = objectmeta.from_headers(req.headers)
    else:
        objectmeta.check_encryption(req.headers)
        meta = dict(src.meta)
        if req.headers.get("x-amz-storage-class"):
            meta["storage-class"] = req.headers["x-amz-storage-class"]
    meta.pop("acl", None)  # a copy never inherits its source's ACL, nor its owner
    meta.pop("owner", None)
    state = req.bucket_state()
    meta.update(await writechecks.object_acl(req, state))
    tags = (
        objectmeta.parse_tagging_header(req.headers.get("x-amz-tagging"))
        if tag_directive == "REPLACE"
        else dict(src.tags)
    )
    same = src.bucket == bucket and src.key == key and src_version in (None, src.version_id)
    changes = (
        directive == "REPLACE"
        or "x-amz-storage-class" in req.headers
        or "x-amz-website-redirect-location" in req.headers
        or "x-amz-server-side-encryption" in req.headers
    )
    if same and not changes and state.versioning != "Enabled":
        raise S3Error("InvalidRequest", message=ILLEGAL_SELF_COPY)
    alg = (req.headers.get("x-amz-checksum-algorithm") or "").upper()
    if alg and alg not in ALGORITHMS:
        raise S3Error("InvalidRequest", message="Checksum algorithm provided is unsupported.")
    checksum = (alg, new_checksum(alg)) if alg and alg not in src.checksums else None
    obj = await req.engine.copy_object(
        source, bucket, key, meta=meta, tags=tags, cond=write_conditions(req), checksum=checksum
    )
    headers = version_headers(req, obj.version_id, state.versioning)
    if src.version_id != "null":
        headers["x-amz-copy-source-version-id"] = src.version_id
    fields = [
        xml.el("LastModified", iso8601(obj.last_modified)),
        xml.el("ETag", quote_etag(obj.etag)),
    ]
    fields += [xml.el(f"Checksum{a}", v) for a, v in obj.checksums.items() if "-" not in v]
    return xml_response(xml.doc("CopyObjectResult", fields), headers=headers)


def copy_range(req: S3Request, size: int) -> ByteRange | None:
    raw = req.headers.get("x-amz-copy-source-range")
    if raw is None:
        return None
    spec = raw.strip()
    if not spec.startswith("bytes="):
        raise S3Error(
            "InvalidArgument",
            message="The x-amz-copy-source-range value must be of the form "
            "bytes=first-last where first and last are the zero-based offsets of the first and last "
            "bytes to copy",
            extra={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": raw},
        )
    first, _, last = spec[6:].partition("-")
    if not first.isdigit() or not last.isdigit() or int(last) < int(first):
        raise S3Error(
            "InvalidArgument",
            message="The x-amz-copy-source-range value must be of the form bytes=first-last",
            extra={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": raw},
        )
    if int(last) >= size:
        raise S3Error(
            "InvalidArgument",
            message=f"Range specified is not valid for source object of size: {size}",
            extra={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": raw},
        )
    return ByteRange(int(first), int(last))


@handles("UploadPartCopy")
async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    number = part_number(req)
    uid = upload_id(req)
    req.engine.get_upload(bucket, key, uid)
    source, _ = open_source(req)
    with source:
        wanted = copy_range(req, source.version.size)
        start, length = (wanted.start, wanted.length) if wanted else (0, source.version.size)
        part = await req.engine.upload_part_copy(source, start, length, bucket, key, uid, number)
    fields = [
        xml.el("LastModified", iso8601(part.last_modified)),
        xml.el("ETag", quote_etag(part.etag)),
    ]
    return xml_response(xml.doc("CopyPartResult", fields))
