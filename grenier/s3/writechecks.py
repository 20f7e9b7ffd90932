"""Checks every write makes before its body is read: canned ACL headers against the
bucket's object ownership, and the early quota refusal.

The quota check here only looks at the declared size, to refuse an upload that cannot
fit before receiving it (``Engine.check_room``); the engine's transaction checks again,
and that is the check that holds under concurrency.
"""

from __future__ import annotations

from grenier.engine import Bucket
from grenier.s3.acls import check_allowed, check_canned
from grenier.s3.context import S3Request


def declared_size(req: S3Request) -> int | None:
    raw = req.headers.get("x-amz-decoded-content-length") or req.headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


def check_quota(req: S3Request, bucket: Bucket, part: tuple[str, int] | None = None) -> None:
    """``part``: (upload id, number) of an UploadPart (it replaces that part's bytes)."""
    if bucket.quota is not None:
        req.engine.check_room(bucket, req.key, declared_size(req), part)


def object_acl(req: S3Request, bucket: Bucket) -> str | None:
    """The canned ACL to store on the new object (None for private), validated."""
    acl = req.headers.get("x-amz-acl")
    if acl is None:
        return None
    check_allowed(bucket, check_canned(acl))
    return None if acl == "private" else acl
