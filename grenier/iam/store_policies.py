"""Managed policies (versions, attachments) and inline user policies of one account.

Built-in policies (:mod:`grenier.iam.builtin`) behave as AWS-managed policies: ARN
``arn:aws:iam::aws:policy/NAME``, attachable by that ARN or by the bare MinIO name, never
modified or deleted. Documents are validated before anything is written.
"""

from __future__ import annotations

import hashlib
import sqlite3
from base64 import b32encode
from typing import Any

from .arn import BUILTIN_POLICY_PREFIX, policy_arn
from .builtin import BUILTIN_DOCUMENTS, BUILTIN_POLICIES, builtin_arn, builtin_name
from .errors import IamError, PolicyError
from .policy import (
    MANAGED_POLICY_MAX_CHARS,
    USER_INLINE_MAX_CHARS,
    Policy,
    non_whitespace_length,
    parse_identity_policy,
)
from .records import ManagedPolicy, PolicyVersion, check_name, new_id, now_iso
from .store_base import StoreBase

MAX_VERSIONS = 5
_BUILTIN_CREATED = "2024-01-01T00:00:00Z"
_KINDS = ("user", "group")


def _validated(document: str, max_chars: int) -> Policy:
    try:
        return parse_identity_policy(document, max_chars=max_chars)
    except PolicyError as exc:
        raise IamError(exc.code, exc.message) from None


def _builtin_record(name: str, attachments: int) -> ManagedPolicy:
    digest = b32encode(hashlib.sha256(name.encode()).digest()).decode()[:17]
    return ManagedPolicy(
        name,
        "ANPA" + digest,
        builtin_arn(name),
        "/",
        f"Grenier built-in policy {name} (MinIO compatible)",
        "v1",
        _BUILTIN_CREATED,
        _BUILTIN_CREATED,
        attachments,
        builtin=True,
    )


class PoliciesMixin(StoreBase):
    # --- managed policies ------------------------------------------------------------

    def create_policy(
        self, name: str, document: str, path: str = "/", description: str = ""
    ) -> ManagedPolicy:
        check_name("policyName", name, 128)
        _validated(document, MANAGED_POLICY_MAX_CHARS)
        acct = self.account_id
        arn, created = policy_arn(name, path, acct), now_iso()
        with self._write() as db:
            if (
                builtin_name(name)
                or db.execute(
                    "SELECT 1 FROM policies WHERE account_id = ? AND name = ?", (acct, name)
                ).fetchone()
            ):
                raise IamError("EntityAlreadyExists", f"A policy called {name} already exists.")
            db.execute(
                "INSERT INTO policies (account_id, name, policy_id, path, arn, description, "
                "default_version, next_version, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, 'v1', 2, ?, ?)",
                (acct, name, new_id("ANPA"), path, arn, description, created, created),
            )
            db.execute(
                "INSERT INTO policy_versions (account_id, policy_name, version_id, document, "
                "created) VALUES (?, ?, 'v1', ?, ?)",
                (acct, name, document, created),
            )
        return self.get_policy(arn)

    def resolve_policy(self, ref: str) -> str:
        """The canonical ARN of a policy given by ARN or name (built-in or local)."""
        name = builtin_name(ref)
        if name:
            return builtin_arn(name)
        arn = ref if ref.startswith("arn:") else None
        row = self._one(
            "SELECT arn FROM policies WHERE account_id = ? AND "
            "(arn = ? OR (? IS NULL AND name = ?))",
            (self.account_id, arn, arn, ref),
        )
        if row is None:
            raise IamError("NoSuchEntity", f"Policy {ref} does not exist or is not attachable.")
        return str(row["arn"])

    def get_policy(self, ref: str) -> ManagedPolicy:
        arn = self.resolve_policy(ref)
        count = self._one(
            "SELECT COUNT(*) AS n FROM attachments WHERE account_id = ? AND policy_arn = ?",
            (self.account_id, arn),
        )["n"]
        if arn.startswith(BUILTIN_POLICY_PREFIX):
            return _builtin_record(arn.removeprefix(BUILTIN_POLICY_PREFIX), count)
        return _policy(self._one("SELECT * FROM policies WHERE arn = ?", (arn,)), count)

    def list_policies(self, scope: str = "All", only_attached: bool = False) -> list[ManagedPolicy]:
        """Scope ``AWS`` (built-ins), ``Local`` (created here) or ``All``."""
        arns = [builtin_arn(n) for n in BUILTIN_DOCUMENTS] if scope in ("All", "AWS") else []
        if scope in ("All", "Local"):
            rows = self._rows(
                "SELECT arn FROM policies WHERE account_id = ? ORDER BY name", (self.account_id,)
            )
            arns += [r["arn"] for r in rows]
        found = [self.get_policy(arn) for arn in arns]
        return [p for p in found if p.attachment_count or not only_attached]

    def get_policy_version(self, ref: str, version_id: str) -> PolicyVersion:
        policy = self.get_policy(ref)
        if policy.builtin:
            if version_id != "v1":
                raise IamError(
                    "NoSuchEntity", f"Policy {policy.arn} version {version_id} does not exist."
                )
            return _builtin_version(policy.name)
        row = self._one(
            "SELECT * FROM policy_versions WHERE account_id = ? AND policy_name = ? "
            "AND version_id = ?",
            (self.account_id, policy.name, version_id),
        )
        if row is None:
            raise IamError(
                "NoSuchEntity", f"Policy {policy.arn} version {version_id} does not exist."
            )
        return PolicyVersion(
            version_id, row["document"], version_id == policy.default_version, row["created"]
        )

    def create_policy_version(self, ref: str, document: str, set_as_default: bool) -> PolicyVersion:
        policy = self._local_policy(ref)
        _validated(document, MANAGED_POLICY_MAX_CHARS)
        created, acct = now_iso(), self.account_id
        with self._write() as db:
            row = db.execute(
                "SELECT next_version, (SELECT COUNT(*) FROM policy_versions "
                "WHERE account_id = ? AND policy_name = ?) "
                "FROM policies WHERE account_id = ? AND name = ?",
                (acct, policy.name, acct, policy.name),
            ).fetchone()
            if row[1] >= MAX_VERSIONS:
                raise IamError(
                    "LimitExceeded", f"A managed policy can have up to {MAX_VERSIONS} versions."
                )
            version_id = f"v{row[0]}"
            db.execute(
                "INSERT INTO policy_versions (account_id, policy_name, version_id, document, "
                "created) VALUES (?, ?, ?, ?, ?)",
                (acct, policy.name, version_id, document, created),
            )
            default = version_id if set_as_default else policy.default_version
            db.execute(
                "UPDATE policies SET next_version = next_version + 1, default_version = ?, "
                "updated = ? WHERE account_id = ? AND name = ?",
                (default, created, acct, policy.name),
            )
        return PolicyVersion(version_id, document, set_as_default, created)

    def delete_policy(self, ref: str) -> None:
        policy = self._local_policy(ref)
        acct = self.account_id
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM attachments WHERE account_id = ? AND policy_arn = ?",
                (acct, policy.arn),
            ).fetchone():
                raise IamError("DeleteConflict", "Cannot delete a policy attached to entities.")
            db.execute(
                "DELETE FROM policy_versions WHERE account_id = ? AND policy_name = ?",
                (acct, policy.name),
            )
            db.execute(
                "DELETE FROM policies WHERE account_id = ? AND name = ?", (acct, policy.name)
            )

    def _local_policy(self, ref: str) -> ManagedPolicy:
        policy = self.get_policy(ref)
        if policy.builtin:
            raise IamError(
                "UnmodifiableEntity", f"Built-in policy {policy.name} cannot be modified."
            )
        return policy

    # --- attachments -----------------------------------------------------------------

    def attach_policy(self, kind: str, entity: str, ref: str) -> None:
        """Attach a managed policy to a ``user`` or ``group``."""
        arn = self.resolve_policy(ref)
        with self._write() as db:
            self._require(db, kind, entity)
            db.execute(
                "INSERT OR IGNORE INTO attachments (account_id, entity_kind, entity_name, "
                "policy_arn) VALUES (?, ?, ?, ?)",
                (self.account_id, kind, entity, arn),
            )

    def detach_policy(self, kind: str, entity: str, ref: str) -> None:
        arn = self.resolve_policy(ref)
        with self._write() as db:
            self._require(db, kind, entity)
            cur = db.execute(
                "DELETE FROM attachments WHERE account_id = ? AND entity_kind = ? "
                "AND entity_name = ? AND policy_arn = ?",
                (self.account_id, kind, entity, arn),
            )
            if cur.rowcount == 0:
                raise IamError("NoSuchEntity", f"Policy {arn} was not found.")

    def attached_policies(self, kind: str, entity: str) -> list[tuple[str, str]]:
        """(name, arn) of the managed policies attached to a user or group."""
        with self._lock:
            self._require(self._conn, kind, entity)
        rows = self._rows(
            "SELECT policy_arn FROM attachments WHERE account_id = ? AND entity_kind = ? "
            "AND entity_name = ? ORDER BY policy_arn",
            (self.account_id, kind, entity),
        )
        return [(r["policy_arn"].rsplit("/", 1)[-1], r["policy_arn"]) for r in rows]

    def _require(self, db: sqlite3.Connection, kind: str, entity: str) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown entity kind {kind!r}")
        if kind == "user":
            self._require_user(db, entity)
        else:
            self._require_group(db, entity)

    # --- inline user policies --------------------------------------------------------

    def put_user_policy(self, user: str, name: str, document: str) -> None:
        check_name("policyName", name, 128)
        _validated(document, 0)
        with self._write() as db:
            self._require_user(db, user)
            others = db.execute(
                "SELECT document FROM inline_policies WHERE account_id = ? AND user_name = ? "
                "AND policy_name != ?",
                (self.account_id, user, name),
            ).fetchall()
            total = non_whitespace_length(document) + sum(
                non_whitespace_length(r[0]) for r in others
            )
            if total > USER_INLINE_MAX_CHARS:
                raise IamError(
                    "LimitExceeded",
                    f"Maximum policy size of {USER_INLINE_MAX_CHARS} bytes exceeded for user {user}",
                )
            db.execute(
                "INSERT OR REPLACE INTO inline_policies (account_id, user_name, policy_name, "
                "document) VALUES (?, (SELECT name FROM users WHERE account_id = ? AND name = ?), "
                "?, ?)",
                (self.account_id, self.account_id, user, name, document),
            )

    def get_user_policy(self, user: str, name: str) -> str:
        with self._lock:
            self._require_user(self._conn, user)
        row = self._one(
            "SELECT document FROM inline_policies WHERE account_id = ? AND user_name = ? "
            "AND policy_name = ?",
            (self.account_id, user, name),
        )
        if row is None:
            raise IamError("NoSuchEntity", f"The user policy with name {name} cannot be found.")
        return str(row["document"])

    def list_user_policies(self, user: str) -> list[str]:
        with self._lock:
            self._require_user(self._conn, user)
        rows = self._rows(
            "SELECT policy_name FROM inline_policies WHERE account_id = ? AND user_name = ? "
            "ORDER BY policy_name",
            (self.account_id, user),
        )
        return [r["policy_name"] for r in rows]

    def delete_user_policy(self, user: str, name: str) -> None:
        with self._write() as db:
            self._require_user(db, user)
            cur = db.execute(
                "DELETE FROM inline_policies WHERE account_id = ? AND user_name = ? "
                "AND policy_name = ?",
                (self.account_id, user, name),
            )
            if cur.rowcount == 0:
                raise IamError("NoSuchEntity", f"The user policy with name {name} cannot be found.")

    # --- evaluation input ------------------------------------------------------------

    def _collect_policies(self, user: str) -> list[Policy]:
        acct = self.account_id
        arns = self._rows(
            "SELECT DISTINCT policy_arn FROM attachments WHERE account_id = ? AND ("
            "(entity_kind = 'user' AND entity_name = ?) OR (entity_kind = 'group' AND "
            "entity_name IN (SELECT group_name FROM group_members "
            "WHERE account_id = ? AND user_name = ?)))",
            (acct, user, acct, user),
        )
        policies = [self._managed_document(r["policy_arn"]) for r in arns]
        inline = self._rows(
            "SELECT document FROM inline_policies WHERE account_id = ? AND user_name = ?",
            (acct, user),
        )
        policies += [parse_identity_policy(r["document"]) for r in inline]
        return [p for p in policies if p is not None]

    def _managed_document(self, arn: str) -> Policy | None:
        if arn.startswith(BUILTIN_POLICY_PREFIX):
            return BUILTIN_POLICIES.get(arn.removeprefix(BUILTIN_POLICY_PREFIX))
        row = self._one(
            "SELECT v.document FROM policies p JOIN policy_versions v "
            "ON v.account_id = p.account_id AND v.policy_name = p.name "
            "AND v.version_id = p.default_version WHERE p.arn = ?",
            (arn,),
        )
        return parse_identity_policy(row["document"]) if row else None


def _builtin_version(name: str) -> PolicyVersion:
    return PolicyVersion("v1", BUILTIN_POLICIES[name].to_json(), True, _BUILTIN_CREATED)


def _policy(row: dict[str, Any], count: int) -> ManagedPolicy:
    return ManagedPolicy(
        row["name"],
        row["policy_id"],
        row["arn"],
        row["path"],
        row["description"],
        row["default_version"],
        row["created"],
        row["updated"],
        count,
    )
