"""Persistent identities: ``DATA_DIR/iam.db`` (SQLite, WAL, mode 0600).

Several server processes may share the file: every write is one ``BEGIN IMMEDIATE``
transaction, readers never block writers (WAL), and each process's caches are dropped
as soon as SQLite's ``data_version`` shows another connection committed.

Every user, group, policy and key belongs to an account (:mod:`grenier.iam.accounts`);
a store object is a view of one account (:meth:`IamStore.for_account`), the default
account's unless told otherwise. Access keys are unique across accounts, so
:meth:`IamStore.secret_for` needs no account. The server's root is not stored here (it
comes from the server's credentials), nor are bucket policies (the engine keeps bucket
configuration). Secrets are never logged; they are returned once, when created, and to
the SigV4 verifier through :meth:`IamStore.secret_for`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .accounts import Account
from .arn import root_arn, user_arn
from .errors import IamError
from .evaluate import Principal
from .policy import Policy
from .records import (
    AccessKey,
    User,
    check_access_key,
    check_name,
    check_secret,
    new_access_key,
    new_id,
    new_secret,
    now_iso,
)
from .store_accounts import AccountsMixin
from .store_groups import GroupsMixin
from .store_policies import PoliciesMixin

MAX_KEYS_PER_USER = 2  # AWS's quota on access keys per user
_SHARED: dict[Path, IamStore] = {}


class IamStore(AccountsMixin, GroupsMixin, PoliciesMixin):
    """Accounts; users, access keys, groups, managed and inline policies, attachments."""

    @classmethod
    def open(cls, data_dir: Path) -> IamStore:
        """The store of a data directory: ``DATA_DIR/iam.db``."""
        return cls(Path(data_dir) / "iam.db")

    @classmethod
    def shared(cls, data_dir: Path) -> IamStore:
        """One store per data directory and process (S3 authorization and the IAM API
        share its connection and caches)."""
        path = Path(data_dir).resolve()
        if path not in _SHARED:
            _SHARED[path] = cls.open(path)
        return _SHARED[path]

    # --- request-path look-ups -------------------------------------------------------

    def secret_for(self, access_key: str) -> tuple[str, Principal] | None:
        """(secret, principal) for an active key of an enabled user (or of an account's
        root) in an enabled account; else None."""
        hit = self._cached("secret", access_key)
        if hit is not None:
            return hit if hit != () else None
        row = self._one(
            "SELECT k.secret, u.name, u.user_id, u.arn, k.account_id FROM access_keys k "
            "JOIN users u ON u.account_id = k.account_id AND u.name = k.user_name "
            "JOIN accounts a ON a.account_id = k.account_id "
            "WHERE k.access_key = ? AND k.status = 'Active' AND u.enabled = 1 "
            "AND a.status = 'enabled'",
            (access_key,),
        )
        if row is None:
            row = self._one(
                "SELECT k.secret, NULL AS name, NULL AS user_id, NULL AS arn, k.account_id "
                "FROM root_keys k JOIN accounts a ON a.account_id = k.account_id "
                "WHERE k.access_key = ? AND k.status = 'Active' AND a.status = 'enabled'",
                (access_key,),
            )
        account = self.account_by_id(row["account_id"]) if row else None
        if row is None or account is None:
            return self._remember("secret", access_key, ()) or None
        principal = principal_of(account, access_key, row["name"], row["user_id"], row["arn"])
        return self._remember("secret", access_key, (row["secret"], principal))

    def identity_policies(self, user: str) -> list[Policy]:
        """Attached, inline and group policies of ``user`` of this view's account (empty
        if disabled/unknown)."""
        hit = self._cached("policies", user)
        if hit is not None:
            return list(hit)
        found = self._one(
            "SELECT enabled FROM users WHERE account_id = ? AND name = ?",
            (self.account_id, user),
        )
        policies: list[Policy] = []
        if found and found["enabled"]:
            policies = self._collect_policies(user)
        return list(self._remember("policies", user, tuple(policies)))

    def policies_of(self, principal: Principal) -> list[Policy]:
        """The identity policies of a user principal (none for any other kind)."""
        if principal.kind != "user" or not principal.name:
            return []
        return self.for_account(principal.account_id).identity_policies(principal.name)

    # --- users -----------------------------------------------------------------------

    def create_user(self, name: str, path: str = "/") -> User:
        check_name("userName", name, 64)
        acct = self.account_id
        user = User(name, new_id("AIDA"), user_arn(name, path, acct), path, now_iso())
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM users WHERE account_id = ? AND name = ?", (acct, name)
            ).fetchone():
                raise IamError("EntityAlreadyExists", f"User with name {name} already exists.")
            db.execute(
                "INSERT INTO users (account_id, name, user_id, path, arn, created, enabled) "
                "VALUES (?, ?, ?, ?, ?, ?, 1)",
                (acct, user.name, user.user_id, user.path, user.arn, user.created),
            )
        return user

    def get_user(self, name: str) -> User:
        row = self._one(
            "SELECT * FROM users WHERE account_id = ? AND name = ?", (self.account_id, name)
        )
        if row is None:
            raise IamError("NoSuchEntity", f"The user with name {name} cannot be found.")
        return _user(row)

    def list_users(self, path_prefix: str = "/") -> list[User]:
        rows = self._rows(
            "SELECT * FROM users WHERE account_id = ? ORDER BY name", (self.account_id,)
        )
        return [_user(r) for r in rows if r["path"].startswith(path_prefix)]

    def set_user_enabled(self, name: str, enabled: bool) -> None:
        """MinIO's ``admin user enable/disable``: a disabled user's keys stop working."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE users SET enabled = ? WHERE account_id = ? AND name = ?",
                (int(enabled), self.account_id, name),
            )
            if cur.rowcount == 0:
                raise IamError("NoSuchEntity", f"The user with name {name} cannot be found.")

    def delete_user(self, name: str) -> None:
        """Delete a user with nothing attached (DeleteConflict otherwise, as AWS)."""
        acct = self.account_id
        with self._write() as db:
            self._require_user(db, name)
            for table, what in (
                ("access_keys", "access keys"),
                ("inline_policies", "policies"),
                ("group_members", "groups"),
            ):
                if db.execute(
                    f"SELECT 1 FROM {table} WHERE account_id = ? AND user_name = ?", (acct, name)
                ).fetchone():
                    raise IamError(
                        "DeleteConflict", f"Cannot delete entity, must delete {what} first."
                    )
            attached = db.execute(
                "SELECT 1 FROM attachments WHERE account_id = ? AND entity_kind = 'user' "
                "AND entity_name = ?",
                (acct, name),
            ).fetchone()
            if attached:
                raise IamError(
                    "DeleteConflict", "Cannot delete entity, must detach all policies first."
                )
            db.execute("DELETE FROM users WHERE account_id = ? AND name = ?", (acct, name))

    # --- access keys -----------------------------------------------------------------

    def create_access_key(
        self, user: str, access_key: str | None = None, secret: str | None = None
    ) -> AccessKey:
        """A new Active key; the only time its secret is returned.

        ``access_key``/``secret`` choose them (Grenier extension, for ``mc admin user add``
        habits: the user name as access key); both are generated when omitted.
        """
        if access_key is not None:
            check_access_key(access_key)
        if secret is not None:
            check_secret(secret)
        key = AccessKey(
            access_key or new_access_key(), user, "Active", now_iso(), secret or new_secret()
        )
        acct = self.account_id
        with self._write() as db:
            self._require_user(db, user)
            self._check_key_free(db, key.access_key)
            count = db.execute(
                "SELECT COUNT(*) FROM access_keys WHERE account_id = ? AND user_name = ?",
                (acct, user),
            ).fetchone()[0]
            if count >= MAX_KEYS_PER_USER:
                raise IamError(
                    "LimitExceeded",
                    f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}",
                )
            db.execute(
                "INSERT INTO access_keys (access_key, secret, account_id, user_name, status, "
                "created) VALUES (?, ?, ?, "
                "(SELECT name FROM users WHERE account_id = ? AND name = ?), ?, ?)",
                (key.access_key, key.secret, acct, acct, user, key.status, key.created),
            )
        return key

    def list_access_keys(self, user: str) -> list[AccessKey]:
        self.get_user(user)
        rows = self._rows(
            "SELECT access_key, user_name, status, created FROM access_keys "
            "WHERE account_id = ? AND user_name = ? ORDER BY created, access_key",
            (self.account_id, user),
        )
        return [AccessKey(r["access_key"], r["user_name"], r["status"], r["created"]) for r in rows]

    def update_access_key(self, user: str, access_key: str, status: str) -> None:
        if status not in ("Active", "Inactive"):
            raise IamError("ValidationError", "Status must be Active or Inactive.")
        with self._write() as db:
            cur = db.execute(
                "UPDATE access_keys SET status = ? WHERE access_key = ? AND account_id = ? "
                "AND user_name = ?",
                (status, access_key, self.account_id, user),
            )
            if cur.rowcount == 0:
                raise IamError(
                    "NoSuchEntity", f"The Access Key with id {access_key} cannot be found."
                )

    def delete_access_key(self, user: str, access_key: str) -> None:
        with self._write() as db:
            cur = db.execute(
                "DELETE FROM access_keys WHERE access_key = ? AND account_id = ? AND user_name = ?",
                (access_key, self.account_id, user),
            )
            if cur.rowcount == 0:
                raise IamError(
                    "NoSuchEntity", f"The Access Key with id {access_key} cannot be found."
                )

    def user_for_key(self, access_key: str) -> str | None:
        row = self._one(
            "SELECT user_name FROM access_keys WHERE access_key = ? AND account_id = ?",
            (access_key, self.account_id),
        )
        return row["user_name"] if row else None


def principal_of(
    account: Account,
    access_key: str | None = None,
    user: str | None = None,
    user_id: str | None = None,
    arn: str | None = None,
) -> Principal:
    """The principal of a user of ``account`` (or of its root when ``user`` is None)."""
    return Principal(
        "user" if user else "account",
        user or "root",
        access_key,
        user_id or account.account_id,
        account_id=account.account_id,
        canonical_id=account.canonical_id,
        account_name=account.name,
        arn=arn or root_arn(account.account_id),
    )


def _user(row: dict[str, Any]) -> User:
    return User(
        row["name"], row["user_id"], row["arn"], row["path"], row["created"], bool(row["enabled"])
    )
