"""Canned ACLs as the grants they stand for, so policies stay the one source of truth.

The ACL storage (``bucket.config["acl"]``, ``object.meta["acl"]``) is translated into
resource-policy statements and evaluated with the bucket policy: an explicit ``Deny``
still wins over an ACL grant, as in AWS.

| canned ACL (bucket)   | grants                                                     |
|-----------------------|------------------------------------------------------------|
| ``public-read``       | everyone: ``s3:ListBucket`` (bucket), ``s3:GetObject`` (objects) |
| ``public-read-write`` | everyone: that, plus ``s3:PutObject``, ``s3:DeleteObject``  |
| ``authenticated-read``| any signed-in user: ``s3:ListBucket``, ``s3:GetObject``    |

An object's ``public-read`` (or ``public-read-write``) grants everyone ``s3:GetObject`` on
that object, ``authenticated-read`` any signed-in user.
"""

from __future__ import annotations

from functools import lru_cache

from .arn import S3_PREFIX
from .conditions import Condition, parse_conditions
from .policy import Policy, Statement

_EVERYONE = ("*",)
_SIGNED_IN = "User", "Account"
_READ = ("s3:ListBucket",), ("s3:GetObject", "s3:GetObjectVersion")
_WRITE = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion")
_PUBLIC_OBJECT = frozenset({"public-read", "public-read-write"})


def _signed_in_only() -> tuple[Condition, ...]:
    raw = {"StringEquals": {"aws:PrincipalType": list(_SIGNED_IN)}}
    return parse_conditions(raw, "MalformedPolicy", bucket_policy=True)


def _allow(actions: tuple[str, ...], resource: str, signed_in: bool) -> Statement:
    conditions = _signed_in_only() if signed_in else ()
    return Statement(
        "Allow",
        principals=_EVERYONE,
        actions=actions,
        resources=(resource,),
        conditions=conditions,
    )


@lru_cache(maxsize=1024)
def bucket_acl_policy(bucket: str, acl: str) -> Policy | None:
    """The grants of a bucket's canned ACL (None for ``private`` and unknown values)."""
    bucket_arn = f"{S3_PREFIX}{bucket}"
    listing, reading = _READ
    if acl not in ("public-read", "public-read-write", "authenticated-read"):
        return None
    signed_in = acl == "authenticated-read"
    statements = [
        _allow(listing, bucket_arn, signed_in),
        _allow(reading, f"{bucket_arn}/*", signed_in),
    ]
    if acl == "public-read-write":
        statements.append(_allow(_WRITE, f"{bucket_arn}/*", False))
    return Policy("2008-10-17", tuple(statements), {})


def object_acl_policy(bucket: str, key: str, acl: str) -> Policy | None:
    """The grants of an object's canned ACL (read of that one object)."""
    if acl not in _PUBLIC_OBJECT and acl != "authenticated-read":
        return None
    arn = f"{S3_PREFIX}{bucket}/{key}"
    statement = _allow(_READ[1], arn, acl == "authenticated-read")
    return Policy("2008-10-17", (statement,), {})
