"""CopyObject and UploadPartCopy.

Data files are immutable once published, so a copy of a file-backed object is a hard
link per segment (no bytes move); a ranged part copy reads the range into a new file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from grenier.engine import NewObject, ObjectVersion, Part, Segment, Staged
from grenier.engine import multipart as engine_mp
from grenier.engine import objects as engine_objects
from grenier.engine.files import new_name, rel_path
from grenier.s3 import objectmeta, writechecks, xml
from grenier.s3.auth import new_checksum
from grenier.s3.commit import commit_staged
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


def load_source(req: S3Request) -> tuple[ObjectVersion, str | None]:
    bucket, key, version = parse_source(req)
    if req.service.item_authorizer is not None:
        req.service.item_authorizer(req, "GetObject:source", f"{bucket}/{key}", version)
    obj = req.engine.get_object(bucket, key, version)
    if obj.delete_marker:
        raise S3Error(
            "InvalidRequest",
            message="The source of a copy request may not specifically "
            "refer to a delete marker by version id.",
        )
    check_read_conditions(req.headers, obj.etag, obj.last_modified, prefix="x-amz-copy-source-")
    return obj, version


def _link(req: S3Request, segments: list[Segment]) -> list[Segment]:
    linked: list[Segment] = []
    try:
        for seg in segments:
            rel = rel_path(new_name())
            dest = req.engine.data_path(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.link(req.engine.data_path(seg.file), dest)
            linked.append(Segment(rel, seg.size))
    except OSError:
        for seg in linked:
            req.engine.files.remove(seg.file)
        raise
    return linked


def _recompute(req: S3Request, src: ObjectVersion, alg: str) -> str:
    digest = new_checksum(alg)
    if src.inline is not None:
        digest.update(src.inline)
    for seg in src.segments:
        with open(req.engine.data_path(seg.file), "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.b64digest()


@handles("CopyObject")
async def copy_object(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    check_key(key)
    src, src_version = load_source(req)
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
    meta.update(await writechecks.object_acl(req, req.bucket_state()))
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
    if same and not changes and req.bucket_state().versioning != "Enabled":
        raise S3Error("InvalidRequest", message=ILLEGAL_SELF_COPY)
    checksums = dict(src.checksums)
    alg = req.headers.get("x-amz-checksum-algorithm")
    loop = asyncio.get_running_loop()
    if alg and alg.upper() not in checksums:
        checksums = {
            alg.upper(): await loop.run_in_executor(None, _recompute, req, src, alg.upper())
        }
    segments = await loop.run_in_executor(None, _link, req, src.segments)
    staged = Staged(size=src.size, md5_hex=src.etag, inline=src.inline, checksums=checksums)
    new = NewObject(meta=meta, tags=tags, etag=src.etag, checksums=checksums, parts=list(src.parts))
    cond = write_conditions(req)
    state = req.bucket_state()

    def txn(conn: sqlite3.Connection) -> ObjectVersion:
        return engine_objects.txn_put(conn, bucket, key, staged, segments, new, cond)

    try:
        obj = await commit_staged(req.engine, staged, txn)
    except BaseException:
        for seg in segments:
            req.engine.files.remove(seg.file)
        raise
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


def _copy_bytes(req: S3Request, src: ObjectVersion, start: int, length: int) -> Staged:
    temp = req.engine.files.new_temp()
    digest = hashlib.md5()
    try:
        if src.inline is not None:
            data = src.inline[start : start + length]
            digest.update(data)
            temp.write(data)
        else:
            offset = 0
            remaining = length
            for seg in src.segments:
                if remaining <= 0:
                    break
                if start < offset + seg.size:
                    pos = max(0, start - offset)
                    with open(req.engine.data_path(seg.file), "rb") as fh:
                        fh.seek(pos)
                        while remaining > 0 and (block := fh.read(min(1 << 20, remaining))):
                            digest.update(block)
                            temp.write(block)
                            remaining -= len(block)
                offset += seg.size
        rel = temp.finish()
    except BaseException:
        temp.discard()
        raise
    return Staged(size=length, md5_hex=digest.hexdigest(), file=rel)


@handles("UploadPartCopy")
async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    number = part_number(req)
    uid = upload_id(req)
    req.engine.get_upload(bucket, key, uid)
    src, _ = load_source(req)
    wanted = copy_range(req, src.size)
    start, length = (wanted.start, wanted.length) if wanted else (0, src.size)
    loop = asyncio.get_running_loop()
    staged = await loop.run_in_executor(None, _copy_bytes, req, src, start, length)

    def txn(conn: sqlite3.Connection) -> Part:
        return engine_mp.txn_put_part(conn, bucket, key, uid, number, staged)

    part = await commit_staged(req.engine, staged, txn)
    fields = [
        xml.el("LastModified", iso8601(part.last_modified)),
        xml.el("ETag", quote_etag(part.etag)),
    ]
    return xml_response(xml.doc("CopyPartResult", fields))
