"""ACLs (Get/PutBucketAcl, Get/PutObjectAcl) and object ownership controls.

A bucket's ACL is ``bucket.config["acl"]``, an object's ``meta["acl"]``: a canned name
or a list of grants (:mod:`grenier.s3.acls`). Reads show the grants with the owner's
canonical ID and name. Ownership is ``bucket.config["ownership"]``: one of the three
settings, or "" for none (ACLs accepted, the writer owns its objects).
Under BucketOwnerEnforced ACLs are disabled: reads show the bucket owner's FULL_CONTROL
and writes other than an owner-only ACL are AccessControlListNotSupported.
"""

from __future__ import annotations

from aiohttp import web

from grenier.engine import Bucket
from grenier.iam import acl as model
from grenier.s3 import xml
from grenier.s3.acls import (  # noqa: F401  (re-exported for the handlers)
    ALL_USERS,
    AUTH_USERS,
    GRANT_HEADERS,
    GROUPS,
    LOG_DELIVERY,
    OWNER_ONLY,
    OWNERSHIP,
    XSI,
    RequestedAcl,
    acl_from_body,
    acl_from_headers,
    check_acl_allowed,
    check_canned,
    check_ownership,
)
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.get import resolve, version_arg
from grenier.s3.responses import empty, xml_response
from grenier.s3.tenancy import ENFORCED, acls_enabled, object_owner, owner_of, ownership_of


async def requested_acl(req: S3Request) -> RequestedAcl:
    """The ACL a Put*Acl request asks for (canned header, grant headers, or body)."""
    from_headers = acl_from_headers(req.headers, req.service.tenancy)
    data = await read_verified(req)
    if from_headers is not None:
        if data.strip():
            raise S3Error("UnexpectedContent")
        return from_headers
    if not data.strip():
        raise S3Error("MissingSecurityHeader", extra={"MissingHeaderName": "x-amz-acl"})
    return acl_from_body(data, req.service.tenancy)


def _grantee(req: S3Request, grant: model.Grant) -> str:
    if grant.kind == model.GROUP:
        return (
            f'<Grantee xmlns:xsi="{XSI}" xsi:type="Group">'
            + xml.el("URI", grant.grantee)
            + "</Grantee>"
        )
    name = req.service.tenancy.display_name(grant.grantee)
    return (
        f'<Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser">'
        + xml.el("ID", grant.grantee)
        + xml.el("DisplayName", name)
        + "</Grantee>"
    )


def acl_doc(req: S3Request, owner: str, grants: tuple[model.Grant, ...]) -> bytes:
    items = [
        "<Grant>" + _grantee(req, g) + xml.el("Permission", g.permission) + "</Grant>"
        for g in grants
    ]
    owner_fields = xml.el("ID", owner) + xml.el(
        "DisplayName", req.service.tenancy.display_name(owner)
    )
    return xml.doc(
        "AccessControlPolicy",
        [
            f"<Owner>{owner_fields}</Owner>",
            "<AccessControlList>" + "".join(items) + "</AccessControlList>",
        ],
    )


def bucket_grants(bucket: Bucket) -> tuple[model.Grant, ...]:
    owner = owner_of(bucket)
    if not acls_enabled(bucket):
        return model.canned_grants("private", owner)
    return model.stored_grants(bucket.config.get("acl"), owner)


@handles("GetBucketAcl")
async def get_bucket_acl(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    return xml_response(acl_doc(req, owner_of(bucket), bucket_grants(bucket)))


@handles("PutBucketAcl")
async def put_bucket_acl(req: S3Request) -> web.StreamResponse:
    acl = await requested_acl(req)
    tenancy = req.service.tenancy

    def update(bucket: Bucket) -> None:
        check_acl_allowed(bucket, acl, tenancy)
        bucket.config["acl"] = acl.stored
        if bucket.config["acl"] is None:
            del bucket.config["acl"]

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("GetObjectAcl")
async def get_object_acl(req: S3Request) -> web.StreamResponse:
    obj = resolve(req)
    bucket = req.engine.get_bucket(obj.bucket)
    owner, bucket_owner = object_owner(bucket, obj.meta), owner_of(bucket)
    if acls_enabled(bucket):
        grants = model.stored_grants(obj.meta.get("acl"), owner, bucket_owner)
    else:
        grants = model.canned_grants("private", bucket_owner)
    headers = {"x-amz-version-id": obj.version_id} if bucket.versioning else {}
    return xml_response(acl_doc(req, owner, grants), headers=headers)


async def store_object_acl(
    req: S3Request, vid: str | None, acl: object, etag: str | None = None
) -> None:
    bucket, key = req.require_bucket(), req.require_key()
    await req.engine.update_meta(bucket, key, vid, {"acl": acl}, etag)


@handles("PutObjectAcl")
async def put_object_acl(req: S3Request) -> web.StreamResponse:
    acl = await requested_acl(req)
    bucket = req.engine.get_bucket(req.require_bucket())
    check_acl_allowed(bucket, acl, req.service.tenancy)
    obj = resolve(req)
    await store_object_acl(req, version_arg(req), acl.stored)
    headers = {"x-amz-version-id": obj.version_id} if bucket.versioning else {}
    return empty(200, headers)


def ownership_doc(value: str) -> bytes:
    rule = "<Rule>" + xml.el("ObjectOwnership", value) + "</Rule>"
    return xml.doc("OwnershipControls", [rule])


@handles("GetBucketOwnershipControls")
async def get_ownership(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    value = ownership_of(bucket)
    if not value:
        raise S3Error("OwnershipControlsNotFoundError", extra={"BucketName": bucket.name})
    return xml_response(ownership_doc(value))


@handles("PutBucketOwnershipControls")
async def put_ownership(req: S3Request) -> web.StreamResponse:
    root = xml.parse(await read_verified(req), "OwnershipControls")
    rules = xml.children(root, "Rule")
    if len(rules) != 1:
        raise S3Error("MalformedXML")
    value = check_ownership(xml.text(rules[0], "ObjectOwnership"))

    def update(bucket: Bucket) -> None:
        if value == ENFORCED and not RequestedAcl(grants=bucket_grants(bucket)).owner_only(
            owner_of(bucket)
        ):
            raise S3Error("InvalidBucketAclWithObjectOwnership")
        bucket.config["ownership"] = value

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("DeleteBucketOwnershipControls")
async def delete_ownership(req: S3Request) -> web.StreamResponse:
    def update(bucket: Bucket) -> None:
        bucket.config["ownership"] = ""

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)
