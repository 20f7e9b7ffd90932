"""The IAM database file: schema, pragmas and a 0600 file created before SQLite opens it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from grenier.sqlite_wal import enable_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE, user_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL, created TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS access_keys (
    access_key TEXT PRIMARY KEY, secret TEXT NOT NULL,
    user_name TEXT NOT NULL REFERENCES users(name) COLLATE NOCASE,
    status TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS access_keys_user ON access_keys(user_name);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY COLLATE NOCASE, group_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS group_members (
    group_name TEXT NOT NULL COLLATE NOCASE, user_name TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (group_name, user_name));
CREATE TABLE IF NOT EXISTS policies (
    name TEXT PRIMARY KEY COLLATE NOCASE, policy_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, description TEXT NOT NULL, default_version TEXT NOT NULL,
    next_version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policy_versions (
    policy_name TEXT NOT NULL COLLATE NOCASE, version_id TEXT NOT NULL,
    document TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (policy_name, version_id));
CREATE TABLE IF NOT EXISTS attachments (
    entity_kind TEXT NOT NULL, entity_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL, PRIMARY KEY (entity_kind, entity_name, policy_arn));
CREATE TABLE IF NOT EXISTS inline_policies (
    user_name TEXT NOT NULL COLLATE NOCASE, policy_name TEXT NOT NULL,
    document TEXT NOT NULL, PRIMARY KEY (user_name, policy_name));
"""


def _create_private(path: Path) -> None:
    """Create the file with mode 0600 (never world-readable, even briefly)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    _create_private(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    enable_wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
    return conn
