"""Owner elements in S3 documents: an account's canonical ID and display name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grenier.iam.accounts import DEFAULT_CANONICAL_ID
from grenier.s3 import xml
from grenier.s3.tenancy import owner_of

if TYPE_CHECKING:
    from grenier.s3.context import S3Request

OWNER_ID = DEFAULT_CANONICAL_ID  # the default account's (older name)


def owner_xml(owner_id: str = DEFAULT_CANONICAL_ID, name: str = "default", tag: str = "Owner") -> str:  # fmt: skip
    return f"<{tag}>" + xml.el("ID", owner_id) + xml.el("DisplayName", name) + f"</{tag}>"


def account_owner_xml(req: S3Request, owner_id: str, tag: str = "Owner") -> str:
    return owner_xml(owner_id, req.service.tenancy.display_name(owner_id), tag)


def bucket_owner_xml(req: S3Request, tag: str = "Owner") -> str:
    """The request's bucket's owner (listings show it for every entry)."""
    slot = f"owner_xml:{tag}"
    cached = req.extra.get(slot)
    if cached is None:
        cached = account_owner_xml(req, owner_of(req.bucket_state()), tag)
        req.extra[slot] = cached
    return str(cached)


def caller_owner_xml(req: S3Request, tag: str = "Owner") -> str:
    """The caller's account (ListBuckets, multipart initiators)."""
    principal = req.principal
    owner_id = getattr(principal, "canonical_id", "") or DEFAULT_CANONICAL_ID
    return account_owner_xml(req, owner_id, tag)
