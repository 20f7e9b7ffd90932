"""Accounts (tenants): records, identifiers, and the default account.

An account has a name, a 12-digit account id (in every IAM ARN of its users, groups and
policies), a 64-hex canonical ID (what S3 shows as the owner of its buckets and objects,
and what ACL grants name), an optional e-mail address (ACL grants by e-mail), a status,
and its own root credentials.

The default account is the one a single-team server has always had: account id
``000000000000`` and the canonical ID Grenier has always shown. Its root is the server's
root (``GRENIER_ROOT_*``), which is also the system administrator.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from .arn import DEFAULT_ACCOUNT_ID
from .errors import IamError

DEFAULT_ACCOUNT = "default"
DEFAULT_CANONICAL_ID = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"
ENABLED, DISABLED = "enabled", "disabled"
_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{0,63}$", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class Account:
    name: str
    account_id: str
    canonical_id: str
    email: str | None
    status: str  # "enabled" | "disabled"
    created: str

    @property
    def enabled(self) -> bool:
        return self.status == ENABLED

    @property
    def is_default(self) -> bool:
        return self.account_id == DEFAULT_ACCOUNT_ID


def new_account_id() -> str:
    """12 random digits, never the default account's."""
    while True:
        value = f"{secrets.randbelow(10**12):012d}"
        if value != DEFAULT_ACCOUNT_ID and value[0] != "0":
            return value


def new_canonical_id() -> str:
    return secrets.token_hex(32)


def check_account_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise IamError(
            "ValidationError",
            "An account name is 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )


def check_email(email: str) -> None:
    if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email):
        raise IamError("ValidationError", f"{email!r} is not an e-mail address.")
