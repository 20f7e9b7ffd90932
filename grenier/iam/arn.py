"""ARNs as policies use them: S3 resources, IAM principals, and the ARNs Grenier issues.

Grenier is one account. Its IAM ARNs use :data:`ACCOUNT_ID`; principal ARNs in policies
are matched by user name, whatever account id they carry.
"""

from __future__ import annotations

import re

ACCOUNT_ID = "000000000000"
S3_PREFIX = "arn:aws:s3:::"
BUILTIN_POLICY_PREFIX = "arn:aws:iam::aws:policy/"

_ACCOUNT = re.compile(r"^\d{12}$")
_IAM_PRINCIPAL = re.compile(
    r"^arn:aws:iam::(\d{12}|\*):(root|user/(?:[\w+=,.@-]+/)*([\w+=,.@-]+))$"
)


def user_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user{path}{name}"


def group_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:group{path}{name}"


def policy_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:policy{path}{name}"


def resource_arn(bucket: str | None, key: str | None) -> str:
    """The S3 ARN a request acts on: service (no bucket), bucket, or object."""
    if not bucket:
        return S3_PREFIX
    if key is None:
        return f"{S3_PREFIX}{bucket}"
    return f"{S3_PREFIX}{bucket}/{key}"


def is_valid_resource(resource: str) -> bool:
    """``*`` or a well-formed ARN; S3 ARNs must leave region and account empty."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        return False
    if parts[2] == "s3":
        return parts[3] == "" and parts[4] == ""
    return True


def s3_bucket_pattern(resource: str) -> str | None:
    """The bucket part of an S3 resource pattern (``*`` for ``*``); None if not S3."""
    if resource == "*":
        return "*"
    if not resource.startswith(S3_PREFIX):
        return None
    return resource[len(S3_PREFIX) :].split("/", 1)[0]


def is_valid_principal(value: str) -> bool:
    return value == "*" or bool(_ACCOUNT.match(value)) or bool(_IAM_PRINCIPAL.match(value))


def principal_user(value: str) -> str | None:
    """The user name a principal value names, or None (``*``, root, account, other)."""
    match = _IAM_PRINCIPAL.match(value)
    if match and match.group(2) != "root":
        return match.group(3)
    return None


def principal_is_root(value: str) -> bool:
    if _ACCOUNT.match(value):
        return True
    match = _IAM_PRINCIPAL.match(value)
    return bool(match and match.group(2) == "root")
