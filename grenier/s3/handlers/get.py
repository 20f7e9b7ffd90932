"""GetObject and HeadObject: conditions, ranges, part numbers, overrides, streaming."""

from __future__ import annotations

import asyncio
import os
from typing import BinaryIO

from aiohttp import web

from grenier.engine import ObjectVersion
from grenier.s3 import objectmeta
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.put import checksum_headers
from grenier.s3.httputil import (
    ByteRange,
    check_read_conditions,
    header_argument,
    http_date,
    parse_range,
    quote_etag,
)

CHUNK = 1 << 20
OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def version_arg(req: S3Request) -> str | None:
    vid = req.query.get("versionId")
    if vid is None:
        return None
    if vid == "":
        raise S3Error(
            "InvalidArgument",
            message="Version id cannot be the empty string",
            extra={"ArgumentName": "versionId", "ArgumentValue": ""},
        )
    return vid


def resolve(req: S3Request) -> ObjectVersion:
    obj = req.engine.get_object(req.require_bucket(), req.require_key(), version_arg(req))
    if obj.delete_marker:
        raise S3Error(
            "MethodNotAllowed",
            message="The specified method is not allowed against this resource.",
            headers={
                "x-amz-delete-marker": "true",
                "x-amz-version-id": obj.version_id,
                "Allow": "DELETE",
            },
        )
    return obj


def object_headers(req: S3Request, obj: ObjectVersion) -> dict[str, str]:
    headers = {
        "ETag": quote_etag(obj.etag),
        "Last-Modified": http_date(obj.last_modified),
        "Accept-Ranges": "bytes",
        "Content-Type": obj.content_type,
    }
    objectmeta.to_headers(obj.meta, headers)
    versioning = obj.bucket_versioning
    if versioning is None:
        versioning = req.bucket_state().versioning
    if obj.version_id != "null" or versioning:
        headers["x-amz-version-id"] = obj.version_id
    if obj.tags:
        headers["x-amz-tagging-count"] = str(len(obj.tags))
    if obj.parts:
        headers["x-amz-mp-parts-count"] = str(len(obj.parts))
    for name, header in OVERRIDES.items():
        value = req.query.get(name)
        if value is not None:
            if req.auth.anonymous:
                raise S3Error(
                    "InvalidRequest",
                    message="Request specific response headers "
                    "cannot be used for anonymous GET requests.",
                )
            headers[header] = header_argument(name, value)
    return headers


def part_range(req: S3Request, obj: ObjectVersion) -> ByteRange | None:
    raw = req.query.get("partNumber")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 10000:
        raise S3Error(
            "InvalidArgument",
            message="Part number must be an integer between 1 and 10000, inclusive",
            extra={"ArgumentName": "partNumber", "ArgumentValue": raw},
        )
    number = int(raw)
    sizes = obj.parts or [obj.size]
    if number > len(sizes):
        raise S3Error(
            "InvalidPartNumber", status=416, message="The requested partnumber is not satisfiable"
        )
    start = sum(sizes[: number - 1])
    if sizes[number - 1] == 0:
        return None
    return ByteRange(start, start + sizes[number - 1] - 1)


def plan(req: S3Request, obj: ObjectVersion) -> tuple[int, dict[str, str], ByteRange | None]:
    check_read_conditions(req.headers, obj.etag, obj.last_modified)
    headers = object_headers(req, obj)
    wanted = part_range(req, obj)
    if wanted is None and "partNumber" not in req.query:
        wanted = parse_range(req.headers.get("range"), obj.size)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(obj.size)
        return 206, headers, wanted
    if req.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED" and obj.checksums:
        headers.update(checksum_headers(obj.checksums))
        if any("-" in value for value in obj.checksums.values()):
            headers["x-amz-checksum-type"] = "COMPOSITE"
        else:
            headers["x-amz-checksum-type"] = "FULL_OBJECT"
    return 200, headers, None


@handles("HeadObject")
async def head_object(req: S3Request) -> web.StreamResponse:
    obj = resolve(req)
    status, headers, wanted = plan(req, obj)
    # A body-less Response keeps this Content-Length for HEAD (aiohttp only fills it in
    # when it sends a body), and costs less than preparing a StreamResponse.
    headers["Content-Length"] = str(wanted.length if wanted else obj.size)
    return web.Response(status=status, headers=headers)


@handles("GetObject")
async def get_object(req: S3Request) -> web.StreamResponse:
    obj = resolve(req)
    status, headers, wanted = plan(req, obj)
    start, length = (wanted.start, wanted.length) if wanted else (0, obj.size)
    if obj.inline is not None or not obj.segments:
        data = (obj.inline or b"")[start : start + length]
        return web.Response(status=status, headers=headers, body=data)
    handles_ = open_segments(req, obj)
    resp = web.StreamResponse(status=status, headers=headers)
    resp.content_length = length
    try:
        await resp.prepare(req.http)
        await stream_segments(resp, obj, handles_, start, length)
        await resp.write_eof()
    finally:
        for fh in handles_:
            fh.close()
    return resp


def open_segments(req: S3Request, obj: ObjectVersion) -> list[BinaryIO]:
    """Open every data file now, before any await, so a concurrent overwrite that
    removes them cannot pull the bytes from under this read (POSIX unlink semantics)."""
    opened: list[BinaryIO] = []
    try:
        for seg in obj.segments:
            opened.append(open(req.engine.data_path(seg.file), "rb"))  # noqa: SIM115
    except OSError:
        for fh in opened:
            fh.close()
        raise
    return opened


async def stream_segments(
    resp: web.StreamResponse, obj: ObjectVersion, files: list[BinaryIO], start: int, length: int
) -> None:
    loop = asyncio.get_running_loop()
    offset = 0
    remaining = length
    for seg, fh in zip(obj.segments, files, strict=True):
        seg_end = offset + seg.size
        if remaining <= 0:
            break
        if start >= seg_end:
            offset = seg_end
            continue
        pos = max(0, start - offset)
        while remaining > 0 and pos < seg.size:
            size = min(CHUNK, seg.size - pos, remaining)
            if size >= 256 * 1024:
                data = await loop.run_in_executor(None, os.pread, fh.fileno(), size, pos)
            else:
                data = os.pread(fh.fileno(), size, pos)
            if not data:
                raise S3Error("InternalError", message="data file shorter than recorded")
            await resp.write(data)
            pos += len(data)
            remaining -= len(data)
        start = seg_end
        offset = seg_end
