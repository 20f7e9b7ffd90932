"""Checks every write makes before its body is read: canned ACL headers against the
bucket's object ownership, and the early quota refusal.

The quota check here only looks at the declared size, to refuse an upload that cannot
fit before receiving it; the engine transaction re-checks (``txn_put``), and that is
the check that holds under concurrency.
"""

from __future__ import annotations

from grenier.engine import Bucket
from grenier.engine import objects as engine_objects
from grenier.s3.acls import check_allowed, check_canned
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error


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
    if bucket.quota is None:
        return
    size = declared_size(req)
    room = quota_room(req, bucket)
    if size is not None and room is not None and size > room:
        raise S3Error("XMinioAdminBucketQuotaExceeded", extra={"BucketName": bucket.name})


def object_acl(req: S3Request, bucket: Bucket) -> str | None:
    """The canned ACL to store on the new object (None for private), validated."""
    acl = req.headers.get("x-amz-acl")
    if acl is None:
        return None
    check_allowed(bucket, check_canned(acl))
    return None if acl == "private" else acl
