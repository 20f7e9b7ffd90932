"""The IAM database file: schema, its migrations, pragmas, and a 0600 file created before
SQLite opens it.

Schema versions (``PRAGMA user_version``):

* 0: one account (every table keyed by entity name alone);
* 1: accounts. ``accounts`` and ``root_keys`` are new; every other table gains an
  ``account_id`` column in its key, and the rows of version 0 move to the default
  account (``000000000000``), so an existing ``iam.db`` upgrades in place at start.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from grenier.sqlite_wal import enable_wal

from .accounts import DEFAULT_ACCOUNT, DEFAULT_CANONICAL_ID, ENABLED
from .arn import DEFAULT_ACCOUNT_ID

VERSION = 1

# table -> (columns of version 1, primary key); all but accounts/root_keys have account_id.
TABLES: dict[str, str] = {
    "users": "account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, "
    "user_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL, "
    "created TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, "
    "PRIMARY KEY (account_id, name)",
    "access_keys": "access_key TEXT PRIMARY KEY, secret TEXT NOT NULL, "
    "account_id TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, "
    "status TEXT NOT NULL, created TEXT NOT NULL",
    "groups": "account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, "
    "group_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL, "
    "created TEXT NOT NULL, PRIMARY KEY (account_id, name)",
    "group_members": "account_id TEXT NOT NULL, group_name TEXT NOT NULL COLLATE NOCASE, "
    "user_name TEXT NOT NULL COLLATE NOCASE, PRIMARY KEY (account_id, group_name, user_name)",
    "policies": "account_id TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, "
    "policy_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL UNIQUE, "
    "description TEXT NOT NULL, default_version TEXT NOT NULL, "
    "next_version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, "
    "PRIMARY KEY (account_id, name)",
    "policy_versions": "account_id TEXT NOT NULL, policy_name TEXT NOT NULL COLLATE NOCASE, "
    "version_id TEXT NOT NULL, document TEXT NOT NULL, created TEXT NOT NULL, "
    "PRIMARY KEY (account_id, policy_name, version_id)",
    "attachments": "account_id TEXT NOT NULL, entity_kind TEXT NOT NULL, "
    "entity_name TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL, "
    "PRIMARY KEY (account_id, entity_kind, entity_name, policy_arn)",
    "inline_policies": "account_id TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, "
    "policy_name TEXT NOT NULL, document TEXT NOT NULL, "
    "PRIMARY KEY (account_id, user_name, policy_name)",
}
# The columns version 0 had, in the order version 1 lists them (after account_id).
V0_COLUMNS: dict[str, str] = {
    "users": "name, user_id, path, arn, created, enabled",
    "access_keys": "access_key, secret, '" + DEFAULT_ACCOUNT_ID + "', user_name, status, created",
    "groups": "name, group_id, path, arn, created",
    "group_members": "group_name, user_name",
    "policies": "name, policy_id, path, arn, description, default_version, next_version, "
    "created, updated",
    "policy_versions": "policy_name, version_id, document, created",
    "attachments": "entity_kind, entity_name, policy_arn",
    "inline_policies": "user_name, policy_name, document",
}
ACCOUNTS = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    canonical_id TEXT NOT NULL UNIQUE, email TEXT UNIQUE COLLATE NOCASE,
    status TEXT NOT NULL, created TEXT NOT NULL, public_access_block TEXT);
CREATE TABLE IF NOT EXISTS root_keys (
    access_key TEXT PRIMARY KEY, secret TEXT NOT NULL, account_id TEXT NOT NULL,
    status TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS root_keys_account ON root_keys(account_id);
"""
INDEXES = "CREATE INDEX IF NOT EXISTS access_keys_user ON access_keys(account_id, user_name);"


def _create_private(path: Path) -> None:
    """Create the file with mode 0600 (never world-readable, even briefly)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None


def _migrate_v0(conn: sqlite3.Connection) -> None:
    """Move every version-0 table into the default account (inside the caller's txn)."""
    for table, columns in TABLES.items():
        if not _has_table(conn, table):
            conn.execute(f"CREATE TABLE {table} ({columns})")
            continue
        old = V0_COLUMNS[table]
        prefix = "" if table == "access_keys" else f"'{DEFAULT_ACCOUNT_ID}', "
        conn.execute(f"CREATE TABLE {table}__v1 ({columns})")
        conn.execute(f"INSERT INTO {table}__v1 SELECT {prefix}{old} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}__v1 RENAME TO {table}")


def upgrade(conn: sqlite3.Connection) -> None:
    """Bring the schema to :data:`VERSION` (one immediate transaction; idempotent, so
    several processes opening the file at once are safe)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            if _has_table(conn, "users"):
                _migrate_v0(conn)
            else:
                for table, columns in TABLES.items():
                    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            _script(conn, ACCOUNTS)
            _script(conn, INDEXES)
            conn.execute(
                "INSERT OR IGNORE INTO accounts VALUES (?, ?, ?, NULL, ?, ?, NULL)",
                (
                    DEFAULT_ACCOUNT_ID,
                    DEFAULT_ACCOUNT,
                    DEFAULT_CANONICAL_ID,
                    ENABLED,
                    "1970-01-01T00:00:00Z",
                ),
            )
            conn.execute(f"PRAGMA user_version = {VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements without executescript's implicit COMMIT."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    _create_private(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    enable_wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    upgrade(conn)
    return conn
