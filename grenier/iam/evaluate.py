"""AWS's policy evaluation, for one request.

1. Root bypasses everything.
2. An explicit ``Deny`` in any applicable statement (identity or bucket policy) wins.
3. Otherwise an ``Allow`` from the identity policies (user, its groups) or from the bucket
   policy (whose Principal matches) allows.
4. Otherwise the request is implicitly denied.

Anonymous requests have no identity policies and match only bucket-policy statements whose
Principal is ``"*"`` (or ``{"AWS": "*"}``); a ``NotPrincipal`` statement may deny them but
never allows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .actions import action_matches
from .arn import principal_is_root, principal_user, resource_arn
from .patterns import substitute, wildcard_match
from .policy import Policy, Statement

__all__ = ["AccessRequest", "Principal", "is_allowed", "resource_arn", "request_context"]


@dataclass(frozen=True)
class Principal:
    kind: str  # "root" | "user" | "anonymous"
    name: str | None = None
    access_key: str | None = None
    user_id: str | None = None

    @classmethod
    def anonymous(cls) -> Principal:
        return cls("anonymous")


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
        "aws:PrincipalType": {"root": "Account", "user": "User"}.get(principal.kind, "Anonymous"),
    }
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
    """True if the request is allowed (see the module docstring for the rules).

    ``resource_policies`` are further resource-based policies evaluated like the bucket
    policy (the grants Grenier derives from canned ACLs).
    """
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
            if _principal_matches(s, req.principal)
        ]
    matched = [s for p, s in applicable if _statement_matches(s, p, req, context)]
    if any(s.effect == "Deny" for s in matched):
        return False
    return any(s.effect == "Allow" for s in matched)


def _principal_matches(statement: Statement, principal: Principal) -> bool:
    if statement.principals is not None:
        return any(_names(value, principal) for value in statement.principals)
    assert statement.not_principals is not None
    if any(_names(value, principal) for value in statement.not_principals):
        return False
    # NotPrincipal never grants anything to anonymous callers.
    return principal.kind != "anonymous" or statement.effect == "Deny"


def _names(value: str, principal: Principal) -> bool:
    if value == "*":
        return True
    if principal.kind == "root":
        return principal_is_root(value)
    if principal.kind == "user":
        return principal_user(value) == principal.name
    return False


def _statement_matches(
    statement: Statement, policy: Policy, req: AccessRequest, context: dict[str, str | list[str]]
) -> bool:
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
