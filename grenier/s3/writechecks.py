"""Checks every write makes before its body is read: the ACL it asks for against the
bucket's object ownership and Block Public Access, who will own the object, and the
early quota refusal.

The quota check here only looks at the declared size, to refuse an upload that cannot
fit before receiving it (``Engine.check_room``); the engine's transaction checks again,
and that is the check that holds under concurrency.
"""

from __future__ import annotations

from typing import Any

from grenier.engine import Bucket
from grenier.s3.acls import RequestedAcl, check_acl_allowed, new_object_owner, write_acl
from grenier.s3.context import S3Request
from grenier.s3.tenancy import FOREIGN


def declared_size(req: S3Request) -> int | None:
    raw = req.headers.get("x-amz-decoded-content-length") or req.headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


def check_quota(req: S3Request, bucket: Bucket, part: tuple[str, int] | None = None) -> None:
    """``part``: (upload id, number) of an UploadPart (it replaces that part's bytes)."""
    if bucket.quota is not None:
        req.engine.check_room(bucket, req.key, declared_size(req), part)


async def object_acl(
    req: S3Request, bucket: Bucket, form: RequestedAcl | None = None, *, in_form: bool = False
) -> dict[str, Any]:
    """The ownership entries to store in the new object's meta: ``acl`` (the ACL the
    request asks for, validated; absent for private) and ``owner`` (absent when the
    bucket's owner owns it). ``in_form``: the ACL is a POST form's field (``form``)."""
    requested = form if in_form else write_acl(req, bucket)
    if in_form and requested is not None:
        check_acl_allowed(bucket, requested, req.service.tenancy)
    entries: dict[str, Any] = {}
    if requested is not None and requested.stored is not None:
        entries["acl"] = requested.stored
    owner = new_object_owner(req, bucket, requested)
    if owner is not None:
        entries["owner"] = owner
        await _note_foreign(req, bucket)
    return entries


async def _note_foreign(req: S3Request, bucket: Bucket) -> None:
    """Mark the bucket as holding objects of another account (the access layer then
    reads an object's owner before deciding on it). Once per bucket."""
    if bucket.config.get(FOREIGN):
        return

    def update(record: Bucket) -> None:
        record.config[FOREIGN] = True

    await req.engine.update_bucket(bucket.name, update)
