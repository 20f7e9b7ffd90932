"""Canned ACLs and object ownership: the names, their grants, and the checks (pure).

Grenier stores canned ACLs only (``bucket.config["acl"]``, an object's ``meta["acl"]``);
the access layer reads them as grants. Ownership is ``bucket.config["ownership"]``:
absent means BucketOwnerEnforced, AWS's default.
"""

from __future__ import annotations

from grenier.engine import Bucket
from grenier.s3.errors import S3Error

XSI = "http://www.w3.org/2001/XMLSchema-instance"
GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTH_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"

Grant = tuple[str, str]  # (group URI, permission) besides the owner's FULL_CONTROL
CANNED: dict[str, frozenset[Grant]] = {
    "private": frozenset(),
    "public-read": frozenset({(ALL_USERS, "READ")}),
    "public-read-write": frozenset({(ALL_USERS, "READ"), (ALL_USERS, "WRITE")}),
    "authenticated-read": frozenset({(AUTH_USERS, "READ")}),
    "bucket-owner-read": frozenset(),
    "bucket-owner-full-control": frozenset(),
    "log-delivery-write": frozenset({(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")}),
}
OWNER_ONLY = ("private", "bucket-owner-full-control")
OWNERSHIP = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
DEFAULT_OWNERSHIP = "BucketOwnerEnforced"
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}


def ownership_of(bucket: Bucket) -> str:
    return str(bucket.config.get("ownership", DEFAULT_OWNERSHIP))


def check_canned(name: str) -> str:
    if name not in CANNED:
        raise S3Error("InvalidArgument", extra={"ArgumentName": "x-amz-acl", "ArgumentValue": name})
    return name


def check_allowed(bucket: Bucket, acl: str) -> None:
    """Under BucketOwnerEnforced, only owner-only ACLs are accepted."""
    if ownership_of(bucket) == "BucketOwnerEnforced" and acl not in OWNER_ONLY:
        raise S3Error("AccessControlListNotSupported")


def check_ownership(value: str | None) -> str:
    if value not in OWNERSHIP:
        raise S3Error("MalformedXML")
    return value
