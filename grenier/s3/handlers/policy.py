"""Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus.

The policy is bucket configuration (``bucket.config["policy"]``, the JSON text as sent)
and is validated whole before it is stored: a bad document is ``MalformedPolicy`` and
changes nothing; a public one is ``AccessDenied`` when Block Public Access
(``BlockPublicPolicy``, the bucket's or its account's) is on. Who may call these is
decided like any other operation (``s3:PutBucketPolicy``...), so a bucket policy can
lock its own editors out, as in AWS.

GetBucketPolicyStatus's ``IsPublic`` is true when the policy is public, or when the
bucket's ACL grants AllUsers/AuthenticatedUsers and ``IgnorePublicAcls`` is off; a
bucket with neither a policy nor a public ACL answers ``NoSuchBucketPolicy`` as AWS does.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from grenier.iam import acl as model
from grenier.iam.errors import PolicyError
from grenier.iam.policy import BUCKET_POLICY_MAX_BYTES, parse_bucket_policy
from grenier.iam.public import is_public
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import empty, xml_response
from grenier.s3.tenancy import acls_enabled, owner_of

# Read a little past the 20 KB limit so an oversized document is refused by its size.
_READ_LIMIT = BUCKET_POLICY_MAX_BYTES + 1024


def _stored_policy(req: S3Request) -> str:
    bucket = req.engine.get_bucket(req.require_bucket())
    text = bucket.config.get("policy")
    if not isinstance(text, str):
        raise S3Error("NoSuchBucketPolicy", extra={"BucketName": bucket.name})
    return text


async def _read_document(req: S3Request) -> bytes:
    length = req.http.content_length
    if length is not None and length > _READ_LIMIT:
        raise S3Error("MalformedPolicy", message="Policies must be no more than 20 KB in size.")
    try:
        body = await read_verified(req, limit=_READ_LIMIT)
    except S3Error as err:
        if err.code != "MaxMessageLengthExceeded":
            raise
        raise S3Error(
            "MalformedPolicy", message="Policies must be no more than 20 KB in size."
        ) from None
    expected = req.auth.content_sha256
    if expected and not hmac.compare_digest(hashlib.sha256(body).hexdigest(), expected):
        raise S3Error("XAmzContentSHA256Mismatch")
    return body


@handles("PutBucketPolicy")
async def put_bucket_policy(req: S3Request) -> web.StreamResponse:
    name = req.require_bucket()
    req.engine.get_bucket(name)
    body = await _read_document(req)
    try:
        policy = parse_bucket_policy(body, name)
    except PolicyError as exc:
        raise S3Error("MalformedPolicy", message=exc.message) from None
    if is_public(policy) and req.service.tenancy.block_for(req.bucket_state()).block_public_policy:
        raise S3Error(
            "AccessDenied",
            message="Access Denied: this policy is public and BlockPublicPolicy is on.",
        )
    text = body.decode("utf-8")

    def update(bucket: object) -> None:
        bucket.config["policy"] = text  # type: ignore[attr-defined]

    await req.engine.update_bucket(name, update)
    return empty(204)


@handles("GetBucketPolicy")
async def get_bucket_policy(req: S3Request) -> web.StreamResponse:
    text = _stored_policy(req)
    return web.Response(body=text.encode("utf-8"), content_type="application/json")


@handles("DeleteBucketPolicy")
async def delete_bucket_policy(req: S3Request) -> web.StreamResponse:
    def update(bucket: object) -> None:
        bucket.config.pop("policy", None)  # type: ignore[attr-defined]

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)


@handles("GetBucketPolicyStatus")
async def get_bucket_policy_status(req: S3Request) -> web.StreamResponse:
    bucket = req.bucket_state()
    text = bucket.config.get("policy")
    public_acl = acls_enabled(bucket) and model.is_public(
        model.stored_grants(bucket.config.get("acl"), owner_of(bucket))
    )
    if public_acl and req.service.tenancy.block_for(bucket).ignore_public_acls:
        public_acl = False
    if not isinstance(text, str) and not public_acl:
        raise S3Error("NoSuchBucketPolicy", extra={"BucketName": bucket.name})
    public = public_acl
    if isinstance(text, str):
        try:
            public = public or is_public(parse_bucket_policy(text, bucket.name))
        except PolicyError:
            pass
    body = xml.doc("PolicyStatus", [xml.el("IsPublic", "true" if public else "false")])
    return xml_response(body)
