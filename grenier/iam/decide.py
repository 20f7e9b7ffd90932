"""The one decision for S3 requests: identity policies, the bucket policy, ACLs and Block
Public Access, across accounts, as AWS evaluates them.

Inputs are plain records (:class:`BucketView`, :class:`ObjectView`) built by the S3
layer; nothing here reads a store. The rules, after AWS's "How Amazon S3 authorizes a
request" (user, bucket and object contexts):

1. The system administrator (``root``) is allowed.
2. An explicit ``Deny`` in the caller's identity policies or in the bucket policy (for a
   statement naming the caller, its account, or everyone) denies.
3. The *resource owner* is the bucket's owner, except for operations on an existing
   object's data, ACL or tags (:data:`OBJECT_CONTEXT`), whose owner is the object's.
   The bucket policy grants nothing on objects its owner does not own.
4. Grants: the identity policies (an account root has every permission in its own
   account); the bucket policy's ``Allow`` statements; the ACL (the object's for
   object-context operations, else the bucket's). ACLs count for nothing when the
   bucket's object ownership is ``BucketOwnerEnforced``.
5. Same account as the resource owner: any one grant is enough — the identity policies,
   or a resource grant that names the caller itself or everyone. A resource grant to the
   account only (account id, root ARN, canonical ID) is delegated to its IAM policies.
6. Another account: both its own identity policies *and* a resource grant (to it, to
   its account, or to everyone) must allow. Anonymous callers need a grant to everyone.

Block Public Access: ``IgnorePublicAcls`` drops AllUsers/AuthenticatedUsers grants;
``RestrictPublicBuckets`` makes a public bucket policy grant nothing outside the owner
account. (``BlockPublicAcls``/``BlockPublicPolicy`` refuse writes; the S3 layer checks
them where ACLs and policies are written.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .acl import (
    ALL_USERS,
    AUTH_USERS,
    BUCKET_ACL_ACTIONS,
    CANONICAL,
    GROUP,
    OBJECT_ACL_ACTIONS,
    Grant,
    permission_allows,
    without_public,
)
from .evaluate import (
    ACCOUNT,
    DIRECT,
    AccessRequest,
    Principal,
    principal_match,
    request_context,
    statement_applies,
)
from .policy import Policy
from .public_access import NO_BLOCK, PublicAccessBlock

# Actions on an existing object that its owner (not the bucket's) controls.
OBJECT_CONTEXT = frozenset(
    {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectAcl",
        "s3:GetObjectVersionAcl",
        "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl",
        "s3:GetObjectTagging",
        "s3:GetObjectVersionTagging",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:DeleteObjectTagging",
        "s3:DeleteObjectVersionTagging",
        "s3:GetObjectAttributes",
        "s3:GetObjectVersionAttributes",
        "s3:GetObjectTorrent",
        "s3:RestoreObject",
        "s3:GetObjectRetention",
        "s3:PutObjectRetention",
        "s3:GetObjectLegalHold",
        "s3:PutObjectLegalHold",
    }
)


@dataclass(frozen=True)
class BucketView:
    """What the decision needs to know about a bucket."""

    name: str
    owner: str  # the owner account's canonical ID
    owner_account: str = ""  # ... and its 12-digit id (s3:ResourceAccount)
    policy: Policy | None = None
    acl: tuple[Grant, ...] = ()
    acls_enabled: bool = True  # False under BucketOwnerEnforced
    block: PublicAccessBlock = NO_BLOCK
    policy_public: bool = False
    disabled: bool = False  # the owner account is suspended

    def restrict_public(self, principal: Principal) -> bool:
        """RestrictPublicBuckets with a public policy: no policy grant outside the owner."""
        return (
            self.block.restrict_public_buckets
            and self.policy_public
            and principal.canonical_id != self.owner
        )


@dataclass(frozen=True)
class ObjectView:
    owner: str  # canonical ID of the object's owner
    acl: tuple[Grant, ...] = field(default=())


@dataclass(frozen=True)
class Grants:
    """What the resource side grants the caller: directly, or to its account."""

    direct: bool = False
    delegated: bool = False

    def __or__(self, other: Grants) -> Grants:
        return Grants(self.direct or other.direct, self.delegated or other.delegated)


def decide(
    req: AccessRequest,
    identity: Sequence[Policy],
    bucket: BucketView | None,
    obj: ObjectView | None = None,
) -> bool:
    """True if the request is allowed (see the module docstring)."""
    principal = req.principal
    if principal.kind == "root":
        return True
    context = request_context(principal, req.context)
    identity_allow, identity_deny = _identity(req, identity, context)
    if identity_deny:
        return False
    if bucket is None:  # service-level actions (ListBuckets, CreateBucket)
        return identity_allow
    if bucket.disabled:
        return False
    policy_grants, policy_deny = _bucket_policy(req, bucket, context)
    if policy_deny:
        return False
    on_object = obj is not None and req.action in OBJECT_CONTEXT
    owner = obj.owner if on_object and obj is not None else bucket.owner
    if owner != bucket.owner:
        policy_grants = Grants()  # the bucket owner cannot grant what it does not own
    if bucket.restrict_public(principal):
        policy_grants = Grants()
    grants = policy_grants | _acl_grants(req, bucket, obj if on_object else None, on_object)
    if principal.kind == "anonymous":
        return grants.direct
    if principal.canonical_id == owner:
        return identity_allow or grants.direct
    return identity_allow and (grants.direct or grants.delegated)


def _identity(
    req: AccessRequest, identity: Sequence[Policy], context: dict[str, str | list[str]]
) -> tuple[bool, bool]:
    """(allowed, explicitly denied) by the caller's own account."""
    if req.principal.kind == "account":
        return True, False
    if req.principal.kind != "user":
        return False, False
    allow = deny = False
    for policy in identity:
        for statement in policy.statements:
            if statement_applies(statement, policy, req, context):
                if statement.effect == "Deny":
                    return allow, True
                allow = True
    return allow, deny


def _bucket_policy(
    req: AccessRequest, bucket: BucketView, context: dict[str, str | list[str]]
) -> tuple[Grants, bool]:
    policy = bucket.policy
    if policy is None:
        return Grants(), False
    direct = delegated = False
    for statement in policy.statements:
        how = principal_match(statement, req.principal)
        if how is None or not statement_applies(statement, policy, req, context):
            continue
        if statement.effect == "Deny":
            return Grants(), True
        direct = direct or how == DIRECT
        delegated = delegated or how == ACCOUNT
    return Grants(direct, delegated), False


def _acl_grants(
    req: AccessRequest, bucket: BucketView, obj: ObjectView | None, on_object: bool
) -> Grants:
    if not bucket.acls_enabled:
        return Grants()
    if on_object:
        if obj is None or req.action not in OBJECT_ACL_ACTIONS:
            return Grants()
        acl = obj.acl
    else:
        if req.action not in BUCKET_ACL_ACTIONS:
            return Grants()
        acl = bucket.acl
    if bucket.block.ignore_public_acls:
        acl = without_public(acl)
    principal = req.principal
    direct = delegated = False
    for grant in acl:
        if not permission_allows(grant.permission, req.action, on_object=on_object):
            continue
        if grant.kind == GROUP:
            if grant.grantee == ALL_USERS or (
                grant.grantee == AUTH_USERS and principal.kind != "anonymous"
            ):
                direct = True
        elif grant.kind == CANONICAL and grant.grantee == principal.canonical_id:
            if principal.is_account_root:
                direct = True
            else:
                delegated = True
    return Grants(direct, delegated)


def needs_object_acl(req: AccessRequest) -> bool:
    """Whether an object's ACL could change the decision (read it only then)."""
    return req.action in OBJECT_ACL_ACTIONS
