"""ARNs as policies use them: S3 resources, IAM principals, and the ARNs Grenier issues.

Every IAM ARN carries its account's 12-digit id; the default account (the one a
single-team server has always had) is :data:`DEFAULT_ACCOUNT_ID`. Principal values in
policies are parsed once into :class:`PrincipalRef` (everyone, an account, a user of an
account, an account's canonical ID, or something Grenier never matches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_ACCOUNT_ID = "000000000000"
ACCOUNT_ID = DEFAULT_ACCOUNT_ID  # the default account's id (older name)
S3_PREFIX = "arn:aws:s3:::"
BUILTIN_POLICY_PREFIX = "arn:aws:iam::aws:policy/"

_ACCOUNT = re.compile(r"^\d{12}$")
_CANONICAL = re.compile(r"^[0-9a-fA-F]{64}$")
_IAM_PRINCIPAL = re.compile(
    r"^arn:aws:iam::(\d{12}|\*):(root|user/(?:[\w+=,.@-]+/)*([\w+=,.@-]+))$"
)


def user_arn(name: str, path: str = "/", account: str = DEFAULT_ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def group_arn(name: str, path: str = "/", account: str = DEFAULT_ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account}:group{path}{name}"


def policy_arn(name: str, path: str = "/", account: str = DEFAULT_ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account}:policy{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


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


def is_canonical_id(value: str) -> bool:
    return bool(_CANONICAL.match(value))


@dataclass(frozen=True)
class PrincipalRef:
    """What one principal value of a policy names.

    ``kind``: ``everyone``; ``account`` (``account`` holds the 12-digit id, or ``*``);
    ``user`` (``account`` and ``name``); ``canonical`` (``account`` holds the canonical
    ID); ``other`` (services, federated principals, roles: never a Grenier caller).
    """

    kind: str
    account: str = ""
    name: str = ""


def parse_principal(value: str) -> PrincipalRef:
    if value == "*":
        return PrincipalRef("everyone")
    if _ACCOUNT.match(value):
        return PrincipalRef("account", value)
    if value.startswith("CanonicalUser:"):
        return PrincipalRef("canonical", value.partition(":")[2].lower())
    match = _IAM_PRINCIPAL.match(value)
    if match is None:
        return PrincipalRef("other")
    if match.group(2) == "root":
        return PrincipalRef("account", match.group(1))
    return PrincipalRef("user", match.group(1), match.group(3))


def principal_user(value: str) -> str | None:
    """The user name a principal value names, or None (``*``, root, account, other)."""
    ref = parse_principal(value)
    return ref.name if ref.kind == "user" else None


def principal_is_root(value: str) -> bool:
    return parse_principal(value).kind == "account"
