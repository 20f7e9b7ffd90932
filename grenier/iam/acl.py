"""Access control lists: grants, canned ACLs, and what each permission allows (pure).

An ACL is a list of :class:`Grant` (a canonical user — an account — or a group, and one
of five permissions). Storage keeps a canned ACL by name (expanded with the resource's
owner and its bucket's owner when read) and any other ACL as its list of grants, so
data written before accounts existed reads back unchanged.

What a permission allows follows AWS's "Mapping of ACL permissions and access policy
permissions": on a bucket READ lists it, WRITE creates and deletes its objects,
READ_ACP/WRITE_ACP read/write the bucket ACL; on an object READ reads it, READ_ACP and
WRITE_ACP its ACL; FULL_CONTROL is all of them. The owner's account can always read and
write the ACL of what it owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTH_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"
GROUP_URIS = (ALL_USERS, AUTH_USERS, LOG_DELIVERY)
PUBLIC_GROUPS = (ALL_USERS, AUTH_USERS)
PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
CANONICAL, GROUP = "CanonicalUser", "Group"

CANNED_NAMES = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
    "aws-exec-read",
)
_CANNED_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "public-read": ((ALL_USERS, "READ"),),
    "public-read-write": ((ALL_USERS, "READ"), (ALL_USERS, "WRITE")),
    "authenticated-read": ((AUTH_USERS, "READ"),),
    "log-delivery-write": ((LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")),
}

_BUCKET_ACTIONS = {
    "READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
    "WRITE": (
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
    ),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
}
_OBJECT_ACTIONS = {
    "READ": ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"),
    "READ_ACP": ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    "WRITE_ACP": ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
}
BUCKET_ACL_ACTIONS = frozenset(a for acts in _BUCKET_ACTIONS.values() for a in acts)
OBJECT_ACL_ACTIONS = frozenset(a for acts in _OBJECT_ACTIONS.values() for a in acts)


@dataclass(frozen=True)
class Grant:
    kind: str  # "CanonicalUser" | "Group"
    grantee: str  # canonical ID (lower case) or group URI
    permission: str

    def to_stored(self) -> list[str]:
        return [self.kind, self.grantee, self.permission]


def canned_grants(name: str, owner: str, bucket_owner: str | None = None) -> tuple[Grant, ...]:
    """The grants a canned ACL stands for, for a resource owned by ``owner`` in a bucket
    owned by ``bucket_owner`` (the ``bucket-owner-*`` ACLs name it; on a bucket they are
    the owner's FULL_CONTROL alone)."""
    owner_grant = Grant(CANONICAL, owner, "FULL_CONTROL")
    if name in ("bucket-owner-read", "bucket-owner-full-control"):
        if not bucket_owner or bucket_owner == owner:
            return (owner_grant,)
        permission = "READ" if name == "bucket-owner-read" else "FULL_CONTROL"
        return owner_grant, Grant(CANONICAL, bucket_owner, permission)
    groups = tuple(Grant(GROUP, uri, perm) for uri, perm in _CANNED_GROUPS.get(name, ()))
    return (*groups, owner_grant)


def stored_grants(stored: Any, owner: str, bucket_owner: str | None = None) -> tuple[Grant, ...]:
    """The grants of a stored ACL: None (private), a canned name, or a list of grants."""
    if stored is None or stored == "":
        return canned_grants("private", owner, bucket_owner)
    if isinstance(stored, str):
        return canned_grants(stored, owner, bucket_owner)
    out = []
    for item in stored:
        if isinstance(item, list | tuple) and len(item) == 3:
            kind, grantee, permission = (str(v) for v in item)
            out.append(Grant(kind, grantee, permission))
    return tuple(out)


def to_stored(grants: Iterable[Grant]) -> list[list[str]]:
    return [g.to_stored() for g in grants]


def is_public(grants: Iterable[Grant]) -> bool:
    """True when a grant names AllUsers or AuthenticatedUsers (AWS's public ACL)."""
    return any(g.kind == GROUP and g.grantee in PUBLIC_GROUPS for g in grants)


def without_public(grants: Sequence[Grant]) -> tuple[Grant, ...]:
    return tuple(g for g in grants if not (g.kind == GROUP and g.grantee in PUBLIC_GROUPS))


def permission_allows(permission: str, action: str, *, on_object: bool) -> bool:
    table = _OBJECT_ACTIONS if on_object else _BUCKET_ACTIONS
    if permission == "FULL_CONTROL":
        return any(action in actions for actions in table.values())
    return action in table.get(permission, ())
