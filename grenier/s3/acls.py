"""ACLs as requests carry them: canned names (``x-amz-acl``), grant headers
(``x-amz-grant-*``) and AccessControlPolicy documents, checked against the bucket's
object ownership and Block Public Access, and who owns what a write creates.

The grants themselves and what they allow are :mod:`grenier.iam.acl`'s; an ACL is
stored as its canned name (expanded when read) or as its list of grants.

Grantees: ``id=`` must be an account's canonical ID (``InvalidArgument`` "Invalid id"),
``emailAddress=`` an account's e-mail (``UnresolvableGrantByEmailAddress``), ``uri=``
one of the three groups (``InvalidArgument`` "Invalid group uri"); any other syntax is
``InvalidArgument`` naming the header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grenier.engine import Bucket
from grenier.iam import acl as model
from grenier.iam.acl import (  # noqa: F401  (re-exported)
    ALL_USERS,
    AUTH_USERS,
    CANNED_NAMES,
    GROUP_URIS,
    GROUPS,
    LOG_DELIVERY,
    PERMISSIONS,
    Grant,
)
from grenier.s3 import xml
from grenier.s3.errors import S3Error
from grenier.s3.tenancy import (
    OWNERSHIPS,
    PREFERRED,
    Tenancy,
    acls_enabled,
    owner_of,
    ownership_of,
)

XSI = "http://www.w3.org/2001/XMLSchema-instance"
OWNERSHIP = OWNERSHIPS
OWNER_ONLY = ("private", "bucket-owner-full-control")  # the ACLs BucketOwnerEnforced takes
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}
_ITEM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,"]*))\s*(?:,|$)')


@dataclass(frozen=True)
class RequestedAcl:
    """An ACL a request asks for: a canned name, or explicit grants."""

    canned: str | None = None
    grants: tuple[Grant, ...] = ()

    @property
    def stored(self) -> str | list[list[str]] | None:
        """What to keep in ``config["acl"]``/``meta["acl"]`` (None: private)."""
        if self.canned is not None:
            return None if self.canned == "private" else self.canned
        return model.to_stored(self.grants)

    def grants_for(self, owner: str, bucket_owner: str | None = None) -> tuple[Grant, ...]:
        if self.canned is not None:
            return model.canned_grants(self.canned, owner, bucket_owner)
        return self.grants

    @property
    def public(self) -> bool:
        if self.canned is not None:
            return self.canned in ("public-read", "public-read-write", "authenticated-read")
        return model.is_public(self.grants)

    def owner_only(self, bucket_owner: str) -> bool:
        """Only the bucket owner's FULL_CONTROL (what BucketOwnerEnforced accepts)."""
        if self.canned is not None:
            return self.canned in OWNER_ONLY
        return all(
            g.kind == model.CANONICAL
            and g.grantee == bucket_owner
            and g.permission == "FULL_CONTROL"
            for g in self.grants
        )


def check_canned(name: str) -> str:
    if name not in CANNED_NAMES:
        raise S3Error("InvalidArgument", extra={"ArgumentName": "x-amz-acl", "ArgumentValue": name})
    return name


def check_ownership(value: str | None) -> str:
    if value not in OWNERSHIPS:
        raise S3Error("MalformedXML")
    return value


def _group(uri: str) -> str:
    if uri not in GROUP_URIS:
        raise S3Error(
            "InvalidArgument",
            message="Invalid group uri",
            extra={"ArgumentName": "uri", "ArgumentValue": uri},
        )
    return uri


def _header_grants(header: str, value: str, permission: str, tenancy: Tenancy) -> list[Grant]:
    out: list[Grant] = []
    pos = 0
    while pos < len(value):
        match = _ITEM.match(value, pos)
        if match is None or match.end() == pos:
            raise S3Error(
                "InvalidArgument",
                message="Argument format not recognized",
                extra={"ArgumentName": header, "ArgumentValue": value},
            )
        pos = match.end()
        kind, who = match.group(1).lower(), match.group(2) or (match.group(3) or "").strip()
        if kind == "id":
            out.append(Grant(model.CANONICAL, tenancy.grantee_id(who), permission))
        elif kind == "emailaddress":
            out.append(Grant(model.CANONICAL, tenancy.grantee_email(who), permission))
        elif kind == "uri":
            out.append(Grant(model.GROUP, _group(who), permission))
        else:
            raise S3Error(
                "InvalidArgument",
                message="Argument format not recognized",
                extra={"ArgumentName": header, "ArgumentValue": value},
            )
    return out


def acl_from_headers(headers: Mapping[str, str], tenancy: Tenancy) -> RequestedAcl | None:
    """The ACL ``x-amz-acl`` or the ``x-amz-grant-*`` headers ask for (None: neither)."""
    canned = headers.get("x-amz-acl")
    grants: list[Grant] = []
    seen = False
    for header, permission in GRANT_HEADERS.items():
        value = headers.get(header)
        if value is not None:
            seen = True
            grants += _header_grants(header, value, permission, tenancy)
    if canned is not None:
        if seen:
            raise S3Error(
                "InvalidRequest",
                message="Specifying both Canned ACLs and Header Grants is not allowed",
            )
        return RequestedAcl(canned=check_canned(canned))
    return RequestedAcl(grants=tuple(grants)) if seen else None


def acl_from_body(data: bytes, tenancy: Tenancy) -> RequestedAcl:
    """An AccessControlPolicy document's grants."""
    root = xml.parse(data, "AccessControlPolicy")  # not XML at all: MalformedXML
    acl = xml.child(root, "AccessControlList")
    if acl is None:
        raise S3Error("MalformedACLError")
    grants: list[Grant] = []
    for item in xml.children(acl, "Grant"):
        grantee, permission = xml.child(item, "Grantee"), xml.text(item, "Permission")
        if grantee is None or permission not in PERMISSIONS:
            raise S3Error("MalformedACLError")
        kind = grantee.get(f"{{{XSI}}}type") or grantee.get("type") or ""
        uri, cid, email = (xml.text(grantee, n) for n in ("URI", "ID", "EmailAddress"))
        if kind == "Group" or (not kind and uri is not None):
            grants.append(Grant(model.GROUP, _group((uri or "").strip()), permission))
        elif kind == "AmazonCustomerByEmail" or (not kind and email is not None):
            grants.append(Grant(model.CANONICAL, tenancy.grantee_email(email or ""), permission))
        elif kind == "CanonicalUser" or (not kind and cid is not None):
            grants.append(Grant(model.CANONICAL, tenancy.grantee_id(cid or ""), permission))
        else:
            raise S3Error("MalformedACLError")
    return RequestedAcl(grants=tuple(grants))


def check_acl_allowed(bucket: Bucket, requested: RequestedAcl, tenancy: Tenancy) -> None:
    """Object ownership (AccessControlListNotSupported) and BlockPublicAcls (AccessDenied)."""
    if not acls_enabled(bucket) and not requested.owner_only(owner_of(bucket)):
        raise S3Error("AccessControlListNotSupported")
    if requested.public and tenancy.block_for(bucket).block_public_acls:
        raise S3Error(
            "AccessDenied", message="Access Denied: public ACLs are blocked (BlockPublicAcls)."
        )


def write_acl(req: Any, bucket: Bucket) -> RequestedAcl | None:
    """The ACL a write (PutObject, CopyObject, CreateMultipartUpload) asks for, checked."""
    requested = acl_from_headers(req.headers, req.service.tenancy)
    if requested is not None:
        check_acl_allowed(bucket, requested, req.service.tenancy)
    return requested


def new_object_owner(req: Any, bucket: Bucket, requested: RequestedAcl | None) -> str | None:
    """Who owns an object this request writes, when not the bucket's owner (else None).

    ObjectWriter: the writer's account. BucketOwnerPreferred: the bucket owner when the
    write carries ``bucket-owner-full-control``, else the writer's. BucketOwnerEnforced:
    always the bucket owner. Writes by the system administrator, and anonymous writes,
    are given to the bucket owner (AWS would keep anonymous objects out of the owner's
    reach; Grenier keeps them readable by the one who runs the bucket).
    """
    principal = req.principal
    kind = getattr(principal, "kind", "anonymous")
    if kind in ("root", "anonymous") or not acls_enabled(bucket):
        return None
    writer = str(principal.canonical_id)
    bucket_owner = owner_of(bucket)
    if writer == bucket_owner:
        return None
    preferred = ownership_of(bucket) == PREFERRED
    if preferred and requested is not None and requested.canned == "bucket-owner-full-control":
        return None
    return writer
