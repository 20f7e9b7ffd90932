"""Canned ACLs (Get/PutBucketAcl, Get/PutObjectAcl) and object ownership controls.

Grenier stores canned ACLs only: ``bucket.config["acl"]`` and an object's
``meta["acl"]`` (the access layer reads them as grants). The owner always has
FULL_CONTROL; the AccessControlPolicy XML reports exactly the grants a canned ACL
means. Ownership is ``bucket.config["ownership"]``: absent means BucketOwnerEnforced
(AWS's default for new buckets: ACLs other than private / bucket-owner-full-control
are refused with AccessControlListNotSupported); "" means no ownership controls.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from grenier.engine import Bucket
from grenier.s3 import xml
from grenier.s3.acls import (  # noqa: F401  (re-exported for the handlers)
    ALL_USERS,
    AUTH_USERS,
    CANNED,
    DEFAULT_OWNERSHIP,
    GRANT_HEADERS,
    GROUPS,
    LOG_DELIVERY,
    OWNER_ONLY,
    OWNERSHIP,
    XSI,
    Grant,
    check_allowed,
    check_canned,
    check_ownership,
    ownership_of,
)
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.get import resolve, version_arg
from grenier.s3.owner import OWNER_ID
from grenier.s3.responses import empty, xml_response


def _canned_for(grants: set[Grant]) -> str:
    for name in ("private", "public-read", "public-read-write", "authenticated-read"):
        if CANNED[name] == grants:
            return name
    raise S3Error(
        "NotImplemented", message="Grenier stores canned ACLs only; these grants match none."
    )


def _grants_from_headers(headers: Mapping[str, str]) -> set[Grant] | None:
    found: set[Grant] = set()
    seen = False
    for header, permission in GRANT_HEADERS.items():
        value = headers.get(header)
        if value is None:
            continue
        seen = True
        for item in value.split(","):
            kind, _, who = item.strip().partition("=")
            who = who.strip().strip('"')
            if kind.strip().lower() == "uri":
                found.add((who, permission))
            elif not (kind.strip().lower() == "id" and permission == "FULL_CONTROL"):
                raise S3Error("NotImplemented", message="Grenier stores canned ACLs only.")
    return found if seen else None


def _grants_from_body(data: bytes) -> set[Grant]:
    root = xml.parse(data, "AccessControlPolicy")
    acl = xml.child(root, "AccessControlList")
    if acl is None:
        raise S3Error("MalformedACLError")
    found: set[Grant] = set()
    for grant in xml.children(acl, "Grant"):
        grantee, permission = xml.child(grant, "Grantee"), xml.text(grant, "Permission")
        if grantee is None or permission is None:
            raise S3Error("MalformedACLError")
        uri = xml.text(grantee, "URI")
        if uri:
            found.add((uri, permission))
        elif xml.text(grantee, "ID") not in (OWNER_ID, None) or permission != "FULL_CONTROL":
            raise S3Error("NotImplemented", message="Grenier stores canned ACLs only.")
    return found


async def requested_acl(req: S3Request) -> str:
    """The canned ACL a Put*Acl request asks for (header, grant headers, or body)."""
    canned = req.headers.get("x-amz-acl")
    grants = _grants_from_headers(req.headers)
    data = await read_verified(req)
    if canned is not None:
        if data.strip() or grants is not None:
            raise S3Error("UnexpectedContent")
        return check_canned(canned)
    if grants is not None:
        return _canned_for(grants)
    if not data.strip():
        raise S3Error("MissingSecurityHeader", extra={"MissingHeaderName": "x-amz-acl"})
    return _canned_for(_grants_from_body(data))


def _grantee_group(uri: str) -> str:
    return f'<Grantee xmlns:xsi="{XSI}" xsi:type="Group">' + xml.el("URI", uri) + "</Grantee>"


def acl_doc(owner: str, canned: str) -> bytes:
    owner_fields = xml.el("ID", OWNER_ID) + xml.el("DisplayName", owner)
    grants = [
        f'<Grant><Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser">{owner_fields}</Grantee>'
        + xml.el("Permission", "FULL_CONTROL")
        + "</Grant>"
    ]
    for uri, permission in sorted(CANNED.get(canned, frozenset())):
        grants.append(
            "<Grant>" + _grantee_group(uri) + xml.el("Permission", permission) + "</Grant>"
        )
    return xml.doc(
        "AccessControlPolicy",
        [
            f"<Owner>{owner_fields}</Owner>",
            "<AccessControlList>" + "".join(grants) + "</AccessControlList>",
        ],
    )


@handles("GetBucketAcl")
async def get_bucket_acl(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    return xml_response(acl_doc(bucket.owner, str(bucket.config.get("acl") or "private")))


@handles("PutBucketAcl")
async def put_bucket_acl(req: S3Request) -> web.StreamResponse:
    acl = await requested_acl(req)

    def update(bucket: Bucket) -> None:
        check_allowed(bucket, acl)
        bucket.config["acl"] = acl

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("GetObjectAcl")
async def get_object_acl(req: S3Request) -> web.StreamResponse:
    obj = resolve(req)
    bucket = req.engine.get_bucket(obj.bucket)
    headers = {"x-amz-version-id": obj.version_id} if bucket.versioning else {}
    return xml_response(
        acl_doc(bucket.owner, str(obj.meta.get("acl") or "private")), headers=headers
    )


async def store_object_acl(
    req: S3Request, vid: str | None, acl: str | None, etag: str | None = None
) -> None:
    bucket, key = req.require_bucket(), req.require_key()
    await req.engine.update_meta(bucket, key, vid, {"acl": acl}, etag)


@handles("PutObjectAcl")
async def put_object_acl(req: S3Request) -> web.StreamResponse:
    acl = await requested_acl(req)
    bucket = req.engine.get_bucket(req.require_bucket())
    check_allowed(bucket, acl)
    obj = resolve(req)
    await store_object_acl(req, version_arg(req), None if acl == "private" else acl)
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
        if value == "BucketOwnerEnforced" and bucket.config.get("acl") not in (None, *OWNER_ONLY):
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
