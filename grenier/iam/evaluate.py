"""AWS's policy language evaluated for one request: who the caller is, which statements
apply to it, and the identity-only decision the IAM and admin APIs use.

The decision for S3 resources (identity policies, bucket policy, ACLs, Block Public
Access, across accounts) is :func:`grenier.iam.decide.decide`, built on the helpers here.

Principals: ``root`` is the system administrator (the server's credentials; it is also
the default account's root), ``account`` an account's root user, ``user`` an IAM user
of an account, ``anonymous`` an unsigned request.

For :func:`is_allowed`: root is allowed; an explicit ``Deny`` in any applicable
statement wins; otherwise an ``Allow`` allows; otherwise the request is denied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .accounts import DEFAULT_ACCOUNT, DEFAULT_CANONICAL_ID
from .actions import action_matches
from .arn import DEFAULT_ACCOUNT_ID, PrincipalRef, parse_principal, resource_arn, root_arn
from .patterns import substitute, wildcard_match
from .policy import Policy, Statement

__all__ = [
    "AccessRequest",
    "Principal",
    "is_allowed",
    "request_context",
    "resource_arn",
    "statement_applies",
]


@dataclass(frozen=True)
class Principal:
    kind: str  # "root" | "account" | "user" | "anonymous"
    name: str | None = None
    access_key: str | None = None
    user_id: str | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    canonical_id: str = DEFAULT_CANONICAL_ID
    account_name: str = DEFAULT_ACCOUNT
    arn: str = ""

    @classmethod
    def anonymous(cls) -> Principal:
        return cls("anonymous", account_id="", canonical_id="", account_name="")

    @property
    def is_account_root(self) -> bool:
        """The root user of its account (the system administrator counts for default)."""
        return self.kind in ("root", "account")

    @property
    def principal_arn(self) -> str:
        if self.arn:
            return self.arn
        if self.kind == "user" and self.name:
            return f"arn:aws:iam::{self.account_id}:user/{self.name}"
        return root_arn(self.account_id) if self.account_id else ""


@dataclass
class AccessRequest:
    principal: Principal
    action: str  # "s3:GetObject"
    bucket: str | None
    key: str | None
    context: dict[str, str | list[str]] = field(default_factory=dict)
    resource: str | None = None  # overrides the ARN built from bucket/key (copy sources)

    @property
    def arn(self) -> str:
        return self.resource or resource_arn(self.bucket, self.key)


def request_context(
    principal: Principal, context: Mapping[str, str | list[str]], now: datetime | None = None
) -> dict[str, str | list[str]]:
    """The request's keys plus those derived from the principal and the clock."""
    moment = now or datetime.now(UTC)
    out: dict[str, str | list[str]] = {
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(moment.timestamp())),
        "aws:PrincipalType": {"root": "Account", "account": "Account", "user": "User"}.get(
            principal.kind, "Anonymous"
        ),
    }
    if principal.kind != "anonymous":
        out["aws:PrincipalAccount"] = principal.account_id
        out["aws:PrincipalArn"] = principal.principal_arn
    if principal.kind == "user" and principal.name:
        out["aws:username"] = principal.name
        out["aws:userid"] = principal.user_id or principal.name
    out.update(context)
    return out


def is_allowed(
    req: AccessRequest,
    identity_policies: Sequence[Policy],
    bucket_policy: Policy | None,
    resource_policies: Sequence[Policy] = (),
) -> bool:
    """Identity and resource statements together, as within one account: explicit Deny
    wins, then any Allow. Account roots are allowed unless a resource policy denies."""
    if req.principal.kind == "root":
        return True
    context = request_context(req.principal, req.context)
    applicable: list[tuple[Policy, Statement]] = []
    if req.principal.kind == "user":
        applicable += [(p, s) for p in identity_policies for s in p.statements]
    for resource_policy in (bucket_policy, *resource_policies):
        if resource_policy is None:
            continue
        applicable += [
            (resource_policy, s)
            for s in resource_policy.statements
            if principal_match(s, req.principal) is not None
        ]
    matched = [s for p, s in applicable if statement_applies(s, p, req, context)]
    if any(s.effect == "Deny" for s in matched):
        return False
    return req.principal.kind == "account" or any(s.effect == "Allow" for s in matched)


# --- principals ---------------------------------------------------------------------------

DIRECT, ACCOUNT = "direct", "account"


def principal_match(statement: Statement, principal: Principal) -> str | None:
    """How a resource-policy statement's principal names the caller: ``direct`` (everyone,
    the caller itself, or the account when the caller is its root), ``account`` (the
    caller's account, the caller being one of its users: the account must delegate), or
    None (not named)."""
    if statement.principals is not None:
        found = [_names(value, principal) for value in statement.principals]
        if DIRECT in found:
            return DIRECT
        return ACCOUNT if ACCOUNT in found else None
    assert statement.not_principals is not None
    if any(_names(value, principal) for value in statement.not_principals):
        return None
    # NotPrincipal never grants anything to anonymous callers.
    if principal.kind == "anonymous" and statement.effect != "Deny":
        return None
    return DIRECT


def _names(value: str, principal: Principal) -> str | None:
    ref = _parsed(value)
    if ref.kind == "everyone":
        return DIRECT
    if principal.kind == "anonymous":
        return None
    if ref.kind == "canonical":
        if ref.account != principal.canonical_id:
            return None
        return DIRECT if principal.is_account_root else ACCOUNT
    if ref.kind == "other" or ref.account not in ("*", principal.account_id):
        return None
    if ref.kind == "account":
        return DIRECT if principal.is_account_root else ACCOUNT
    return DIRECT if principal.kind == "user" and ref.name == principal.name else None


_REFS: dict[str, PrincipalRef] = {}


def _parsed(value: str) -> PrincipalRef:
    ref = _REFS.get(value)
    if ref is None:
        if len(_REFS) > 4096:
            _REFS.clear()
        ref = _REFS[value] = parse_principal(value)
    return ref


# --- statements ---------------------------------------------------------------------------


def statement_applies(
    statement: Statement, policy: Policy, req: AccessRequest, context: dict[str, str | list[str]]
) -> bool:
    """Action, resource and conditions all match (the principal is checked apart)."""
    if not _action_matches(statement, req.action):
        return False
    if not _resource_matches(statement, policy, req.arn, context):
        return False
    return all(c.evaluate(context, policy.uses_variables) for c in statement.conditions)


def _action_matches(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        return any(action_matches(p, action) for p in statement.actions)
    assert statement.not_actions is not None
    return not any(action_matches(p, action) for p in statement.not_actions)


def _resource_matches(
    statement: Statement, policy: Policy, arn: str, context: dict[str, str | list[str]]
) -> bool:
    patterns = statement.resources if statement.resources is not None else statement.not_resources
    if patterns is None:
        return True  # MinIO-style admin statement without Resource
    hit = any(_arn_match(p, policy, arn, context) for p in patterns)
    return hit if statement.resources is not None else not hit


def _arn_match(pattern: str, policy: Policy, arn: str, context: dict[str, str | list[str]]) -> bool:
    if policy.uses_variables:
        expanded = substitute(pattern, context)
        if expanded is None:
            return False
        pattern = expanded
    return wildcard_match(pattern, arn)
