"""Accounts in the IAM store: the tenants, their root keys and account-level settings.

Account-wide operations ignore the view's ``account_id``: accounts are managed by the
system administrator. Everything an account owns (users, groups, policies, keys) goes
with it when it is removed; its buckets are the caller's business (the admin API
refuses to remove an account that still owns buckets).
"""

from __future__ import annotations

import json
from typing import Any

from .accounts import (
    DISABLED,
    ENABLED,
    Account,
    check_account_name,
    check_email,
    new_account_id,
    new_canonical_id,
)
from .arn import DEFAULT_ACCOUNT_ID
from .errors import IamError
from .records import AccessKey, new_access_key, new_secret, now_iso
from .store_base import StoreBase

MAX_ROOT_KEYS = 2
_ENTITY_TABLES = (
    "inline_policies",
    "attachments",
    "policy_versions",
    "policies",
    "group_members",
    "groups",
    "access_keys",
    "users",
    "root_keys",
)


class AccountsMixin(StoreBase):
    # --- accounts --------------------------------------------------------------------

    def create_account(
        self, name: str, email: str | None = None, root_key: tuple[str, str] | None = None
    ) -> tuple[Account, AccessKey]:
        """A new enabled account and its first root access key (the secret, once)."""
        check_account_name(name)
        if email is not None:
            check_email(email)
        created = now_iso()
        account = Account(name, new_account_id(), new_canonical_id(), email, ENABLED, created)
        key_id, secret = root_key or (new_access_key(), new_secret())
        with self._write() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise IamError("EntityAlreadyExists", f"Account {name} already exists.")
            if email and db.execute("SELECT 1 FROM accounts WHERE email = ?", (email,)).fetchone():
                raise IamError("EntityAlreadyExists", f"E-mail address {email} is in use.")
            while db.execute(
                "SELECT 1 FROM accounts WHERE account_id = ?", (account.account_id,)
            ).fetchone():
                account = Account(name, new_account_id(), account.canonical_id, email, ENABLED, created)  # fmt: skip
            self._check_key_free(db, key_id)
            db.execute(
                "INSERT INTO accounts (account_id, name, canonical_id, email, status, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (account.account_id, name, account.canonical_id, email, ENABLED, created),
            )
            db.execute(
                "INSERT INTO root_keys VALUES (?, ?, ?, 'Active', ?)",
                (key_id, secret, account.account_id, created),
            )
        return account, AccessKey(key_id, "root", "Active", created, secret)

    def list_accounts(self) -> list[Account]:
        return [_account(r) for r in self._rows("SELECT * FROM accounts ORDER BY name")]

    def get_account(self, ref: str) -> Account:
        """An account by name or 12-digit id (NoSuchEntity otherwise)."""
        row = self._one("SELECT * FROM accounts WHERE name = ? OR account_id = ?", (ref, ref))
        if row is None:
            raise IamError("NoSuchEntity", f"The account {ref} cannot be found.")
        return _account(row)

    def account_by_id(self, account_id: str) -> Account | None:
        return self._lookup("account-id", "account_id", account_id)

    def account_by_canonical(self, canonical_id: str) -> Account | None:
        return self._lookup("canonical", "canonical_id", canonical_id.lower())

    def account_by_email(self, email: str) -> Account | None:
        return self._lookup("email", "email", email)

    def _lookup(self, kind: str, column: str, value: str) -> Account | None:
        hit = self._cached(kind, value)
        if hit is not None:
            return hit if isinstance(hit, Account) else None
        row = self._one(f"SELECT * FROM accounts WHERE {column} = ?", (value,))
        found = _account(row) if row else None
        self._remember(kind, value, found or ())
        return found

    def set_account_status(self, ref: str, enabled: bool) -> Account:
        account = self.get_account(ref)
        if account.is_default and not enabled:
            raise IamError("ValidationError", "The default account cannot be disabled.")
        with self._write() as db:
            db.execute(
                "UPDATE accounts SET status = ? WHERE account_id = ?",
                (ENABLED if enabled else DISABLED, account.account_id),
            )
        return self.get_account(account.account_id)

    def delete_account(self, ref: str) -> Account:
        """Remove an account with its users, groups, policies and keys."""
        account = self.get_account(ref)
        if account.is_default:
            raise IamError("ValidationError", "The default account cannot be removed.")
        with self._write() as db:
            for table in _ENTITY_TABLES:
                db.execute(f"DELETE FROM {table} WHERE account_id = ?", (account.account_id,))
            db.execute("DELETE FROM accounts WHERE account_id = ?", (account.account_id,))
        return account

    def account_summary(self, account_id: str) -> dict[str, int]:
        """How many users, groups, policies and root keys an account has."""
        counts = {}
        for label, table in (
            ("users", "users"),
            ("groups", "groups"),
            ("policies", "policies"),
            ("rootKeys", "root_keys"),
        ):
            row = self._one(
                f"SELECT COUNT(*) AS n FROM {table} WHERE account_id = ?", (account_id,)
            )
            counts[label] = int(row["n"])
        return counts

    # --- root keys -------------------------------------------------------------------

    def create_root_key(self) -> AccessKey:
        """Another root access key for this view's account (IAM CreateAccessKey by root)."""
        if self.account_id == DEFAULT_ACCOUNT_ID:
            raise IamError(
                "ValidationError", "The default account's root key is the server's credentials."
            )
        key = AccessKey(new_access_key(), "root", "Active", now_iso(), new_secret())
        with self._write() as db:
            self._check_key_free(db, key.access_key)
            count = db.execute(
                "SELECT COUNT(*) FROM root_keys WHERE account_id = ?", (self.account_id,)
            ).fetchone()[0]
            if count >= MAX_ROOT_KEYS:
                raise IamError(
                    "LimitExceeded", f"Cannot exceed quota for AccessKeysPerUser: {MAX_ROOT_KEYS}"
                )
            db.execute(
                "INSERT INTO root_keys VALUES (?, ?, ?, 'Active', ?)",
                (key.access_key, key.secret, self.account_id, key.created),
            )
        return key

    def list_root_keys(self) -> list[AccessKey]:
        rows = self._rows(
            "SELECT access_key, status, created FROM root_keys WHERE account_id = ? "
            "ORDER BY created, access_key",
            (self.account_id,),
        )
        return [AccessKey(r["access_key"], "root", r["status"], r["created"]) for r in rows]

    def update_root_key(self, access_key: str, status: str | None) -> None:
        """Set a root key's status, or delete it (``status`` None)."""
        if status not in (None, "Active", "Inactive"):
            raise IamError("ValidationError", "Status must be Active or Inactive.")
        where = " WHERE access_key = ? AND account_id = ?"
        with self._write() as db:
            if status is None:
                cur = db.execute("DELETE FROM root_keys" + where, (access_key, self.account_id))
            else:
                cur = db.execute(
                    "UPDATE root_keys SET status = ?" + where, (status, access_key, self.account_id)
                )
            if cur.rowcount == 0:
                raise IamError(
                    "NoSuchEntity", f"The Access Key with id {access_key} cannot be found."
                )

    def _check_key_free(self, db: Any, key: str) -> None:
        for table in ("access_keys", "root_keys"):
            if db.execute(f"SELECT 1 FROM {table} WHERE access_key = ?", (key,)).fetchone():
                raise IamError("EntityAlreadyExists", f"Access key {key} is in use.")

    # --- account-level Block Public Access ---------------------------------------------

    def public_access_block(self, account_id: str) -> dict[str, bool] | None:
        """The account's PublicAccessBlock settings (AWS field names), or None."""
        hit = self._cached("pab", account_id)
        if hit is not None:
            return dict(hit) if hit != () else None
        row = self._one(
            "SELECT public_access_block FROM accounts WHERE account_id = ?", (account_id,)
        )
        text = row["public_access_block"] if row else None
        value = json.loads(text) if text else None
        self._remember("pab", account_id, tuple(value.items()) if value else ())
        return value

    def set_public_access_block(self, account_id: str, value: dict[str, bool] | None) -> None:
        with self._write() as db:
            cur = db.execute(
                "UPDATE accounts SET public_access_block = ? WHERE account_id = ?",
                (json.dumps(value) if value is not None else None, account_id),
            )
            if cur.rowcount == 0:
                raise IamError("NoSuchEntity", f"The account {account_id} cannot be found.")


def _account(row: dict[str, Any]) -> Account:
    return Account(
        row["name"],
        row["account_id"],
        row["canonical_id"],
        row["email"],
        row["status"],
        row["created"],
    )
