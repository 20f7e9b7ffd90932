"""PutObject: the engine ingests the body and commits the new version."""

from __future__ import annotations

from aiohttp import web

from grenier.engine import WriteConditions
from grenier.s3 import objectmeta, writechecks
from grenier.s3.body import request_body
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.httputil import quote_etag, unquote_etag
from grenier.s3.responses import empty

MAX_KEY_BYTES = 1024


def check_key(key: str) -> None:
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:  # a POST form's ${filename} with undecodable bytes
        raise S3Error(
            "InvalidArgument",
            message="Object key is not valid UTF-8.",
            extra={"ArgumentName": "key", "ArgumentValue": key},
        ) from None
    if size > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", extra={"Size": str(size), "MaxSizeAllowed": "1024"})


def write_conditions(req: S3Request) -> WriteConditions | None:
    if_match = req.headers.get("if-match")
    if_none = req.headers.get("if-none-match")
    if if_match is None and if_none is None:
        return None
    if if_none is not None and if_none.strip() != "*":
        raise S3Error("NotImplemented", message="If-None-Match on writes only supports '*'.")
    return WriteConditions(
        if_match=unquote_etag(if_match) if if_match is not None else None,
        if_none_match="*" if if_none is not None else None,
    )


def version_headers(req: S3Request, version_id: str, versioning: str) -> dict[str, str]:
    return {"x-amz-version-id": version_id} if versioning else {}


def checksum_headers(checksums: dict[str, str]) -> dict[str, str]:
    return {f"x-amz-checksum-{alg.lower()}": value for alg, value in checksums.items()}


@handles("PutObject")
async def put_object(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    check_key(key)
    meta = objectmeta.from_headers(req.headers)
    tags = objectmeta.parse_tagging_header(req.headers.get("x-amz-tagging"))
    cond = write_conditions(req)
    state = req.bucket_state()
    writechecks.check_quota(req, state)
    meta.update(await writechecks.object_acl(req, state))
    obj = await req.engine.put_object(
        bucket, key, request_body(req), meta=meta, tags=tags, cond=cond
    )
    headers = {"ETag": quote_etag(obj.etag)}
    headers.update(checksum_headers(obj.checksums))
    headers.update(version_headers(req, obj.version_id, state.versioning))
    return empty(200, headers)
