"""Is a bucket policy public? (GetBucketPolicyStatus's ``IsPublic``.)

After AWS's "The meaning of public": a policy is public when an ``Allow`` statement grants
to everyone (``"*"``, ``{"AWS": "*"}``, or any ``NotPrincipal``) without a condition that
pins the caller to fixed values of a restricting key (source IP ranges, VPCs, source
ARNs/accounts, principal ARNs/accounts/org ids).
"""

from __future__ import annotations

from .conditions import Condition
from .policy import Policy, Statement

_RESTRICTING = frozenset(
    k.lower()
    for k in (
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:userid",
        "aws:username",
        "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn",
    )
)
_FIXED = frozenset({"StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "IpAddress"})


def is_public(policy: Policy | None) -> bool:
    return policy is not None and any(_public(s) for s in policy.statements)


def _public(statement: Statement) -> bool:
    if statement.effect != "Allow":
        return False
    everyone = statement.not_principals is not None or "*" in (statement.principals or ())
    return everyone and not any(_restricts(c) for c in statement.conditions)


def _restricts(condition: Condition) -> bool:
    if condition.key.lower() not in _RESTRICTING or condition.qualifier == "ForAllValues":
        return False
    if condition.operator == "IpAddress":
        return not any(v.strip().endswith("/0") for v in condition.values)
    return condition.operator in _FIXED and not any("*" in v for v in condition.values)
