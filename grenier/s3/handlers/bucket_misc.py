"""Bucket-feature checks layered on the core write handlers (PutObject, CopyObject,
UploadPart, CreateMultipartUpload, CreateBucket): canned ACL headers, object ownership,
and the early quota refusal.

The core handlers stay as they are; each one is wrapped here once (this module is
loaded after them). What the wrappers add:

* ``x-amz-acl`` is validated before anything is read (unknown canned ACL:
  InvalidArgument; refused by BucketOwnerEnforced: AccessControlListNotSupported) and
  stored on the new version (``meta["acl"]``) right after the write commits; a copy
  never inherits its source's ACL.
* ``x-amz-object-ownership`` on CreateBucket is stored; a public ``x-amz-acl`` without
  an ownership that allows ACLs is InvalidBucketAclWithObjectOwnership, as on AWS.
* A body whose declared size alone cannot fit in the bucket's quota is refused before
  it is received (XMinioAdminBucketQuotaExceeded). The transaction still re-checks
  (``grenier.engine.objects.txn_put``): that check is the one that holds under
  concurrency.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from grenier.engine import Bucket
from grenier.engine import objects as engine_objects
from grenier.s3.commit import commit
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import HANDLERS, Handler, buckets, copy, multipart, put  # noqa: F401
from grenier.s3.handlers.acl import (
    OWNER_ONLY,
    check_allowed,
    check_canned,
    check_ownership,
    store_object_acl,
)
from grenier.s3.httputil import unquote_etag

ETAG_XML = re.compile(r"<ETag>([^<]*)</ETag>")


def declared_size(req: S3Request) -> int | None:
    raw = req.headers.get("x-amz-decoded-content-length") or req.headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


def quota_room(req: S3Request, bucket: Bucket) -> int | None:
    """Bytes a write to this key may still add (None: no quota). Counts the space an
    overwrite of the key's null version would free."""
    if bucket.quota is None:
        return None
    room = bucket.quota - bucket.size
    if bucket.versioning != "Enabled" and req.key is not None:
        old = engine_objects.version(req.engine.reader, bucket.name, req.key, "null")
        if old is not None:
            room += old.size
    return room


def check_quota(req: S3Request, bucket: Bucket) -> None:
    size = declared_size(req)
    room = quota_room(req, bucket)
    if size is not None and room is not None and size > room:
        raise S3Error("XMinioAdminBucketQuotaExceeded", extra={"BucketName": bucket.name})


def object_acl(req: S3Request, bucket: Bucket) -> str | None:
    acl = req.headers.get("x-amz-acl")
    if acl is None:
        return None
    check_allowed(bucket, check_canned(acl))
    return acl


def _wrap(operation: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Callable[[S3Request, Handler], Awaitable[web.StreamResponse]]) -> Handler:
        inner = HANDLERS[operation]
        if getattr(inner, "__wrapped_by_features__", False):
            return inner

        async def handler(req: S3Request) -> web.StreamResponse:
            return await fn(req, inner)

        handler.__wrapped_by_features__ = True  # type: ignore[attr-defined]
        HANDLERS[operation] = handler
        return handler

    return decorate


def _stored_acl(acl: str | None) -> str | None:
    return None if acl in (None, "private") else acl


@_wrap("PutObject")
async def put_object(req: S3Request, inner: Handler) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    acl = object_acl(req, bucket)
    check_quota(req, bucket)
    resp = await inner(req)
    if _stored_acl(acl):
        vid = resp.headers.get("x-amz-version-id", "null")
        etag = unquote_etag(resp.headers.get("ETag", ""))
        await store_object_acl(req, vid, _stored_acl(acl), etag)
    return resp


@_wrap("CopyObject")
async def copy_object(req: S3Request, inner: Handler) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    acl = object_acl(req, bucket)
    resp = await inner(req)
    vid = resp.headers.get("x-amz-version-id", "null")
    body = getattr(resp, "body", b"") or b""
    found = ETAG_XML.search(body.decode("utf-8", "replace")) if isinstance(body, bytes) else None
    etag = unquote_etag(found.group(1).replace("&quot;", '"')) if found else None
    new = req.engine.get_object(bucket.name, req.require_key(), vid)
    if new.meta.get("acl") != _stored_acl(acl):
        await store_object_acl(req, vid, _stored_acl(acl), etag)
    return resp


@_wrap("UploadPart")
async def upload_part(req: S3Request, inner: Handler) -> web.StreamResponse:
    check_quota(req, req.engine.get_bucket(req.require_bucket()))
    return await inner(req)


@_wrap("CreateMultipartUpload")
async def create_upload(req: S3Request, inner: Handler) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    if _stored_acl(object_acl(req, bucket)):
        raise S3Error(
            "NotImplemented", message="Grenier does not store ACLs on multipart uploads yet."
        )
    return await inner(req)


@_wrap("CreateBucket")
async def create_bucket(req: S3Request, inner: Handler) -> web.StreamResponse:
    ownership = req.headers.get("x-amz-object-ownership")
    if ownership is not None:
        try:
            check_ownership(ownership)
        except S3Error:
            raise S3Error(
                "InvalidArgument",
                message="Invalid x-amz-object-ownership header",
                extra={"ArgumentName": "x-amz-object-ownership", "ArgumentValue": ownership},
            ) from None
    acl = req.headers.get("x-amz-acl")
    if acl is not None:
        check_canned(acl)
        if acl not in OWNER_ONLY and ownership in (None, "BucketOwnerEnforced"):
            raise S3Error("InvalidBucketAclWithObjectOwnership")
    resp = await inner(req)
    if ownership is not None and ownership != "BucketOwnerEnforced":

        def update(bucket: Bucket) -> Any:
            bucket.config["ownership"] = ownership

        await commit(req.engine, req.engine.txn_set_bucket(req.require_bucket(), update))
    return resp
