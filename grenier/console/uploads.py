"""The upload API the browser's script drives (JSON; CSRF token in ``X-CSRF-Token``).

A file up to one part is one PutObject; a larger one is a multipart upload whose parts
the script sends one request each (several in flight, each retried), so a failed part is
resent alone. The script keeps the upload id in ``localStorage``: choosing the same file
again for the same key resumes it, skipping the parts ListParts already holds. Every
call is the user's own signed S3 request.

    POST /api/upload/BUCKET/create    {"key", "contentType"} -> {"uploadId"}
    PUT  /api/upload/BUCKET/part?key=&uploadId=&partNumber=  (body)  -> {"etag"}
    GET  /api/upload/BUCKET/parts?key=&uploadId=             -> {"parts": [...]}
    POST /api/upload/BUCKET/complete  {"key", "uploadId", "parts": [{"partNumber", "etag"}]}
    POST /api/upload/BUCKET/abort     {"key", "uploadId"}
    PUT  /api/upload/BUCKET/object?key=  (body; Content-Type kept)  -> {"etag"}
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.web import bucket_of, conn

MAX_BODY = 64 * 1024 * 1024  # one request's body (the script sends 8 MiB parts)


def routes() -> list[web.AbstractRouteDef]:
    base = "/api/upload/{bucket}"
    return [
        web.post(f"{base}/create", create),
        web.put(f"{base}/part", part),
        web.get(f"{base}/parts", parts),
        web.post(f"{base}/complete", complete),
        web.post(f"{base}/abort", abort),
        web.put(f"{base}/object", put_object),
    ]


def _bad(message: str) -> ClientError:
    return ClientError(message, code="InvalidRequest")


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        doc = await request.json()
    except ValueError:
        raise _bad("expected a JSON body") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("key"), str) or not doc["key"]:
        raise _bad("expected a JSON object with a non-empty key")
    return doc


def _query(request: web.Request, *names: str) -> list[str]:
    values = [request.query.get(n, "") for n in names]
    if not all(values):
        raise _bad(f"expected query parameters {', '.join(names)}")
    return values


async def _body(request: web.Request) -> bytes:
    length = request.content_length
    if length is None:
        raise _bad("Content-Length is required")
    if length > MAX_BODY:
        raise ClientError("body too large for one request", code="EntityTooLarge")
    return await request.content.readexactly(length)


async def create(request: web.Request) -> web.Response:
    bucket, doc = bucket_of(request), await _json(request)
    extra = {"ContentType": doc["contentType"]} if doc.get("contentType") else {}
    found = await conn(request).s3(
        f"upload {bucket}/{doc['key']}",
        "create_multipart_upload",
        Bucket=bucket,
        Key=doc["key"],
        **extra,
    )
    return web.json_response({"uploadId": found["UploadId"]})


async def _send(
    request: web.Request, what: str, query: dict[str, str] | None, headers: dict[str, str]
) -> web.Response:
    bucket = bucket_of(request)
    key = request.query["key"]
    body = await _body(request)
    upstream = await conn(request).send(
        "PUT", bucket, key, what, query=query, headers=headers, body=body
    )
    try:
        etag = upstream.headers.get("ETag", "")
        await upstream.read()
    finally:
        upstream.release()
    return web.json_response({"etag": etag})


async def part(request: web.Request) -> web.Response:
    key, upload_id, number = _query(request, "key", "uploadId", "partNumber")
    if not number.isdigit() or not 1 <= int(number) <= 10000:
        raise _bad("partNumber must be 1..10000")
    what = f"upload part {number} of {bucket_of(request)}/{key}"
    return await _send(request, what, {"partNumber": number, "uploadId": upload_id}, {})


async def put_object(request: web.Request) -> web.Response:
    (key,) = _query(request, "key")
    content_type = request.headers.get("Content-Type", "") or "application/octet-stream"
    return await _send(
        request, f"upload {bucket_of(request)}/{key}", None, {"Content-Type": content_type}
    )


async def parts(request: web.Request) -> web.Response:
    bucket = bucket_of(request)
    key, upload_id = _query(request, "key", "uploadId")
    found: list[dict[str, Any]] = []
    marker = 0
    while True:
        page = await conn(request).s3(
            f"list parts of {bucket}/{key}",
            "list_parts",
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumberMarker=marker,
        )
        found += [
            {"partNumber": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]}
            for p in page.get("Parts", [])
        ]
        if not page.get("IsTruncated"):
            break
        marker = int(page["NextPartNumberMarker"])
    return web.json_response({"parts": found})


async def complete(request: web.Request) -> web.Response:
    bucket, doc = bucket_of(request), await _json(request)
    try:
        listed = [
            {"PartNumber": int(p["partNumber"]), "ETag": str(p["etag"])} for p in doc["parts"]
        ]
    except (KeyError, TypeError, ValueError):
        raise _bad('expected "parts": [{"partNumber", "etag"}]') from None
    found = await conn(request).s3(
        f"complete upload of {bucket}/{doc['key']}",
        "complete_multipart_upload",
        Bucket=bucket,
        Key=doc["key"],
        UploadId=str(doc.get("uploadId", "")),
        MultipartUpload={"Parts": listed},
    )
    return web.json_response({"etag": found.get("ETag", ""), "key": doc["key"]})


async def abort(request: web.Request) -> web.Response:
    bucket, doc = bucket_of(request), await _json(request)
    await conn(request).s3(
        f"abort upload of {bucket}/{doc['key']}",
        "abort_multipart_upload",
        Bucket=bucket,
        Key=doc["key"],
        UploadId=str(doc.get("uploadId", "")),
    )
    return web.json_response({"aborted": True})
