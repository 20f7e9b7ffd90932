"""Service and bucket operations: ListBuckets, Create/Delete/HeadBucket, location.

Versioning lives in ``versioning.py``."""

from __future__ import annotations

from aiohttp import web

from grenier.engine import valid_bucket_name
from grenier.s3 import xml
from grenier.s3.acls import acl_from_headers, check_ownership
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.httputil import iso8601
from grenier.s3.owner import OWNER_ID, caller_owner_xml, owner_xml  # noqa: F401  (re-exported)
from grenier.s3.responses import empty, xml_response


@handles("ListBuckets")
async def list_buckets(req: S3Request) -> web.StreamResponse:
    prefix = req.query.get("prefix", "")
    raw_max = req.query.get("max-buckets", "10000")
    if not raw_max.isdigit() or not 1 <= int(raw_max) <= 10000:
        raise S3Error(
            "InvalidArgument",
            message="Invalid max-buckets value",
            extra={"ArgumentName": "max-buckets", "ArgumentValue": raw_max},
        )
    limit = int(raw_max)
    after = req.query.get("continuation-token", "")
    buckets = [b for b in req.engine.list_buckets() if b.name.startswith(prefix) and b.name > after]
    if req.service.bucket_filter is not None:
        buckets = [b for b in buckets if req.service.bucket_filter(req, b)]
    page, more = buckets[:limit], len(buckets) > limit
    region = req.service.settings.region
    items = "".join(
        "<Bucket>"
        + xml.el("Name", b.name)
        + xml.el("CreationDate", iso8601(b.created))
        + xml.el("BucketRegion", region)
        + "</Bucket>"
        for b in page
    )
    owner = caller_owner_xml(req)
    parts = [owner, f"<Buckets>{items}</Buckets>", xml.opt("Prefix", prefix or None)]
    if more:
        parts.append(xml.el("ContinuationToken", page[-1].name))
    return xml_response(xml.doc("ListAllMyBucketsResult", parts))


def _location_constraint(req: S3Request, body: bytes) -> None:
    if not body.strip():
        return
    root = xml.parse(body, "CreateBucketConfiguration")
    location = xml.text(root, "LocationConstraint")
    region = req.service.settings.region
    if location and location != region and not (location == "US" and region == "us-east-1"):
        raise S3Error(
            "IllegalLocationConstraintException",
            status=400,
            message=f"The {location} location constraint is incompatible for the region "
            f"specific endpoint this request was sent to.",
        )


def _initial_config(req: S3Request) -> dict[str, object]:
    """x-amz-object-ownership, x-amz-acl and x-amz-grant-* of a CreateBucket, validated as
    AWS does. Without x-amz-object-ownership the server's default applies (none: ACLs
    accepted, as S3 servers other than post-2023 AWS behave)."""
    tenancy = req.service.tenancy
    config: dict[str, object] = {}
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
    config["ownership"] = ownership if ownership is not None else tenancy.default_ownership
    acl = acl_from_headers(req.headers, tenancy)
    if acl is not None:
        owner = _creator(req)
        if config["ownership"] == "BucketOwnerEnforced" and not acl.owner_only(owner):
            raise S3Error("InvalidBucketAclWithObjectOwnership")
        account = tenancy.account(owner)
        block = tenancy.account_block(account.account_id if account else "")
        if acl.public and block.block_public_acls:
            raise S3Error("AccessDenied", message="Access Denied: public ACLs are blocked.")
        if acl.stored is not None:
            config["acl"] = acl.stored
    return config


def _creator(req: S3Request) -> str:
    """The canonical ID of the account a new bucket belongs to: the caller's."""
    return str(getattr(req.principal, "canonical_id", "") or OWNER_ID)


@handles("CreateBucket")
async def create_bucket(req: S3Request) -> web.StreamResponse:
    name = req.require_bucket()
    if not valid_bucket_name(name):
        raise S3Error("InvalidBucketName", extra={"BucketName": name})
    body = await req.http.read()
    _location_constraint(req, body)
    config = _initial_config(req)
    if req.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true":
        raise S3Error("NotImplemented", message="Object Lock is not supported by Grenier.")
    await req.engine.create_bucket(name, _creator(req), config)
    return empty(200, {"Location": f"/{name}"})


@handles("DeleteBucket")
async def delete_bucket(req: S3Request) -> web.StreamResponse:
    await req.engine.delete_bucket(req.require_bucket())
    return empty(204)


@handles("HeadBucket")
async def head_bucket(req: S3Request) -> web.StreamResponse:
    req.engine.get_bucket(req.require_bucket())
    return empty(200, {"x-amz-bucket-region": req.service.settings.region})


@handles("GetBucketLocation")
async def get_location(req: S3Request) -> web.StreamResponse:
    req.engine.get_bucket(req.require_bucket())
    region = req.service.settings.region
    value = "" if region == "us-east-1" else region
    body = (
        xml.HEADER + f'<LocationConstraint xmlns="{xml.NS}">{xml.esc(value)}</LocationConstraint>'
    )
    return xml_response(body.encode())
