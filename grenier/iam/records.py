"""Identity records as the store returns them, and generated identifiers.

Generated access keys look like AWS's: 20 characters, ``AKIA`` + 16 of ``A-Z2-7``;
secrets are 40 characters of ``A-Za-z0-9+/``. Entity ids use AWS's prefixes
(``AIDA`` users, ``AGPA`` groups, ``ANPA`` policies) + 17 characters.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import IamError

_BASE32 = string.ascii_uppercase + "234567"
_SECRET = string.ascii_letters + string.digits + "+/"
_NAME = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
_INLINE_NAME = re.compile(r"^[\w+=,.@-]+$", re.ASCII)


def new_access_key() -> str:
    return "AKIA" + "".join(secrets.choice(_BASE32) for _ in range(16))


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET) for _ in range(40))


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(17))


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(kind: str, name: str, max_len: int) -> None:
    """IAM entity names: 1..max_len of letters, digits and ``+=,.@_-``."""
    if not isinstance(name, str) or not 1 <= len(name) <= max_len or not _NAME.match(name):
        raise IamError(
            "ValidationError",
            f"The specified value for {kind} is invalid. It must contain only alphanumeric "
            f"characters and/or the following: +=,.@_- and be 1 to {max_len} characters long.",
        )


_ACCESS_KEY = re.compile(r"^[\w+=,.@-]{3,128}$", re.ASCII)


def check_access_key(value: str) -> None:
    """A chosen access key: 3..128 of letters, digits and ``+=,.@_-`` (MinIO's minimum)."""
    if not isinstance(value, str) or not _ACCESS_KEY.match(value):
        raise IamError(
            "ValidationError",
            "AccessKeyId must be 3 to 128 letters, digits or +=,.@_- characters.",
        )


def check_secret(value: str) -> None:
    """A chosen secret: 8..128 printable ASCII characters, no spaces (MinIO's minimum)."""
    if not isinstance(value, str) or not 8 <= len(value) <= 128:
        raise IamError("ValidationError", "SecretAccessKey must be 8 to 128 characters long.")
    if not all(33 <= ord(ch) < 127 for ch in value):
        raise IamError("ValidationError", "SecretAccessKey must be printable ASCII, no spaces.")


@dataclass(frozen=True)
class User:
    name: str
    user_id: str
    arn: str
    path: str
    created: str
    enabled: bool = True


@dataclass(frozen=True)
class AccessKey:
    access_key: str
    user: str
    status: str  # "Active" | "Inactive"
    created: str
    secret: str | None = None  # only when just created


@dataclass(frozen=True)
class Group:
    name: str
    group_id: str
    arn: str
    path: str
    created: str


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    policy_id: str
    arn: str
    path: str
    description: str
    default_version: str
    created: str
    updated: str
    attachment_count: int
    builtin: bool = False


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    document: str
    is_default: bool
    created: str
