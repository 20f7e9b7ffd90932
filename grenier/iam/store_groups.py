"""Groups and memberships in the IAM store (one account's)."""

from __future__ import annotations

from typing import Any

from .arn import group_arn
from .errors import IamError
from .records import Group, User, check_name, new_id, now_iso
from .store_base import StoreBase


class GroupsMixin(StoreBase):
    def create_group(self, name: str, path: str = "/") -> Group:
        check_name("groupName", name, 128)
        acct = self.account_id
        group = Group(name, new_id("AGPA"), group_arn(name, path, acct), path, now_iso())
        with self._write() as db:
            if db.execute(
                "SELECT 1 FROM groups WHERE account_id = ? AND name = ?", (acct, name)
            ).fetchone():
                raise IamError("EntityAlreadyExists", f"Group with name {name} already exists.")
            db.execute(
                "INSERT INTO groups (account_id, name, group_id, path, arn, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (acct, group.name, group.group_id, group.path, group.arn, group.created),
            )
        return group

    def get_group(self, name: str) -> tuple[Group, list[User]]:
        acct = self.account_id
        row = self._one("SELECT * FROM groups WHERE account_id = ? AND name = ?", (acct, name))
        if row is None:
            raise IamError("NoSuchEntity", f"The group with name {name} cannot be found.")
        members = self._rows(
            "SELECT u.* FROM users u JOIN group_members m "
            "ON m.user_name = u.name AND m.account_id = u.account_id "
            "WHERE m.account_id = ? AND m.group_name = ? ORDER BY u.name",
            (acct, name),
        )
        return _group(row), [_member(r) for r in members]

    def list_groups(self, path_prefix: str = "/") -> list[Group]:
        rows = self._rows(
            "SELECT * FROM groups WHERE account_id = ? ORDER BY name", (self.account_id,)
        )
        return [_group(r) for r in rows if r["path"].startswith(path_prefix)]

    def groups_for_user(self, user: str) -> list[Group]:
        with self._lock:
            self._require_user(self._conn, user)
        rows = self._rows(
            "SELECT g.* FROM groups g JOIN group_members m "
            "ON m.group_name = g.name AND m.account_id = g.account_id "
            "WHERE m.account_id = ? AND m.user_name = ? ORDER BY g.name",
            (self.account_id, user),
        )
        return [_group(r) for r in rows]

    def add_user_to_group(self, group: str, user: str) -> None:
        acct = self.account_id
        with self._write() as db:
            self._require_group(db, group)
            self._require_user(db, user)
            db.execute(
                "INSERT OR IGNORE INTO group_members (account_id, group_name, user_name) VALUES "
                "(?, (SELECT name FROM groups WHERE account_id = ? AND name = ?), "
                "(SELECT name FROM users WHERE account_id = ? AND name = ?))",
                (acct, acct, group, acct, user),
            )

    def remove_user_from_group(self, group: str, user: str) -> None:
        with self._write() as db:
            self._require_group(db, group)
            self._require_user(db, user)
            db.execute(
                "DELETE FROM group_members WHERE account_id = ? AND group_name = ? "
                "AND user_name = ?",
                (self.account_id, group, user),
            )

    def delete_group(self, name: str) -> None:
        """Delete an empty group with no attached policies (DeleteConflict otherwise)."""
        acct = self.account_id
        with self._write() as db:
            self._require_group(db, name)
            if db.execute(
                "SELECT 1 FROM group_members WHERE account_id = ? AND group_name = ?",
                (acct, name),
            ).fetchone():
                raise IamError(
                    "DeleteConflict", "Cannot delete entity, must remove users from group first."
                )
            attached = db.execute(
                "SELECT 1 FROM attachments WHERE account_id = ? AND entity_kind = 'group' "
                "AND entity_name = ?",
                (acct, name),
            ).fetchone()
            if attached:
                raise IamError(
                    "DeleteConflict", "Cannot delete entity, must detach all policies first."
                )
            db.execute("DELETE FROM groups WHERE account_id = ? AND name = ?", (acct, name))


def _group(row: dict[str, Any]) -> Group:
    return Group(row["name"], row["group_id"], row["arn"], row["path"], row["created"])


def _member(row: dict[str, Any]) -> User:
    return User(
        row["name"], row["user_id"], row["arn"], row["path"], row["created"], bool(row["enabled"])
    )
