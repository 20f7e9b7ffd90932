"""Buckets in the index: reads and the transactions behind bucket operations."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from grenier.engine.errors import EngineError, no_such_bucket
from grenier.engine.files import add_garbage
from grenier.engine.model import Bucket
from grenier.engine.rows import bucket_from_row, dumps

COLUMNS = "name, created, owner, versioning, quota, size, objects, config, uploading"


def get(conn: sqlite3.Connection, name: str, *, shared: bool = True) -> Bucket:
    """The bucket's record. ``shared``: its config may be shared with other readers
    (read path; do not modify)."""
    row = conn.execute(f"SELECT {COLUMNS} FROM buckets WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise no_such_bucket(name)
    return bucket_from_row(row, shared=shared)


def list_all(conn: sqlite3.Connection) -> list[Bucket]:
    rows = conn.execute(f"SELECT {COLUMNS} FROM buckets ORDER BY name")
    return [bucket_from_row(r, shared=True) for r in rows]


def txn_create(conn: sqlite3.Connection, name: str, owner: str, config: dict[str, Any]) -> Bucket:
    row = conn.execute("SELECT owner FROM buckets WHERE name = ?", (name,)).fetchone()
    if row is not None:
        code = "BucketAlreadyOwnedByYou" if row[0] == owner else "BucketAlreadyExists"
        raise EngineError(code, bucket=name)
    created = time.time()
    conn.execute(
        "INSERT INTO buckets (name, created, owner, config) VALUES (?,?,?,?)",
        (name, created, owner, dumps(config)),
    )
    return Bucket(name, created, owner, config=config)


def txn_delete(conn: sqlite3.Connection, name: str) -> None:
    """An empty bucket goes, with its incomplete multipart uploads."""
    if conn.execute("SELECT 1 FROM buckets WHERE name = ?", (name,)).fetchone() is None:
        raise no_such_bucket(name)
    if conn.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
        raise EngineError("BucketNotEmpty", bucket=name)
    for (upload_id,) in conn.execute(
        "SELECT upload_id FROM uploads WHERE bucket = ?", (name,)
    ).fetchall():
        for (file,) in conn.execute(
            "SELECT file FROM parts WHERE upload_id = ?", (upload_id,)
        ).fetchall():
            if file:
                add_garbage(conn, file)
        conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
    conn.execute("DELETE FROM uploads WHERE bucket = ?", (name,))
    conn.execute("DELETE FROM buckets WHERE name = ?", (name,))


def txn_update(conn: sqlite3.Connection, name: str, update: Callable[[Bucket], None]) -> Bucket:
    """Read-modify-write of a bucket's settings (versioning, quota, config, owner):
    ``update`` changes a private copy; it may raise to refuse."""
    bucket = get(conn, name, shared=False)
    update(bucket)
    conn.execute(
        "UPDATE buckets SET versioning = ?, quota = ?, config = ?, owner = ? WHERE name = ?",
        (bucket.versioning, bucket.quota, json.dumps(bucket.config), bucket.owner, name),
    )
    return bucket
