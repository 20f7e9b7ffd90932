"""The metadata index: SQLite in WAL mode.

Keys are stored as BLOBs (their UTF-8 bytes) so that ordering is S3's (byte order)
and a listing can seek past a whole delimiter group with ``key >= prefix || 0xFF``
(0xFF never occurs in UTF-8).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from grenier.sqlite_wal import enable_wal

SCHEMA_VERSION = 2

DDL = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    created REAL NOT NULL,
    owner TEXT NOT NULL,
    versioning TEXT NOT NULL DEFAULT '',
    quota INTEGER,
    size INTEGER NOT NULL DEFAULT 0,
    objects INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL DEFAULT '{}',
    uploading INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS objects (
    id INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    version_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    is_latest INTEGER NOT NULL,
    delete_marker INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    checksums TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '{}',
    parts TEXT NOT NULL DEFAULT '[]',
    segments TEXT NOT NULL DEFAULT '[]',
    inline BLOB,
    UNIQUE (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS objects_versions ON objects (bucket, key, seq DESC);
CREATE INDEX IF NOT EXISTS objects_current ON objects (bucket, key)
    WHERE is_latest = 1 AND delete_marker = 0;
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    created REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    checksum_algorithm TEXT,
    checksum_type TEXT
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, created);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified REAL NOT NULL,
    checksums TEXT NOT NULL DEFAULT '{}',
    file TEXT,
    PRIMARY KEY (upload_id, number)
);
CREATE TABLE IF NOT EXISTS garbage (
    file TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def connect(path: Path, *, durable: bool) -> sqlite3.Connection:
    """Open the index. ``durable`` selects synchronous=FULL (fsync on every commit)."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    enable_wal(conn)
    conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-16384")
    return conn


def create(conn: sqlite3.Connection) -> None:
    """Create the tables (a new store) and bring an older store's schema up to date."""
    conn.executescript("BEGIN IMMEDIATE;" + DDL + "COMMIT;")
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        version = int(row[0]) if row else SCHEMA_VERSION
        for number, step in MIGRATIONS:
            if version < number:
                step(conn)
        conn.execute(
            "INSERT OR REPLACE INTO meta(name, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _v2_uploading(conn: sqlite3.Connection) -> None:
    """Bytes of incomplete multipart uploads count against the quota: a counter per
    bucket, started from the parts already stored."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(buckets)")}
    if "uploading" not in columns:
        conn.execute("ALTER TABLE buckets ADD COLUMN uploading INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        "UPDATE buckets SET uploading = (SELECT COALESCE(SUM(p.size), 0) FROM parts p "
        "JOIN uploads u ON p.upload_id = u.upload_id WHERE u.bucket = buckets.name)"
    )


# (version reached, step): run in order on a store whose schema_version is older.
MIGRATIONS: list[tuple[int, Callable[[sqlite3.Connection], None]]] = [(2, _v2_uploading)]
