"""The storage engine facade: buckets, objects, versions, multipart, usage.

Reads run on the caller's thread with a per-thread connection; every write is a
function handed to the :class:`Committer` (group commit). The engine imports nothing
above it: no HTTP, no auth.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from grenier.engine import listing, multipart, objects, recovery, schema
from grenier.engine.committer import Committer
from grenier.engine.errors import EngineError, no_such_bucket
from grenier.engine.files import GARBAGE_PENDING, FileStore, add_garbage
from grenier.engine.model import Bucket, ListPage, ObjectVersion, Part, Upload
from grenier.engine.rows import bucket_from_row, dumps

T = TypeVar("T")

INLINE_LIMIT = 128 * 1024  # bodies up to this size live in the index row (one fsync)


@dataclass(frozen=True)
class EngineConfig:
    durable: bool = True
    inline_limit: int = INLINE_LIMIT


class Engine:
    def __init__(self, root: Path, config: EngineConfig | None = None) -> None:
        self.root = Path(root)
        self.config = config or EngineConfig()
        self.root.mkdir(parents=True, exist_ok=True)
        self.files = FileStore(self.root, durable=self.config.durable)
        self.db_path = self.root / "meta.db"
        self._local = threading.local()
        writer = schema.connect(self.db_path, durable=self.config.durable)
        schema.create(writer)
        self.writer = writer
        self.committer = Committer(writer, str(self.root / "meta.db.writer-lock"))
        self._garbage_lock = threading.Lock()

    # -- connections -------------------------------------------------------------
    @property
    def reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self.db_path, durable=self.config.durable)
            self._local.conn = conn
        return conn

    def recover(self) -> recovery.RecoveryReport:
        return recovery.recover(self.writer, self.files, self.root)

    def close(self, *, clean: bool = True) -> None:
        self.committer.close()
        try:
            self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self.writer.close()
        if clean:
            recovery.mark_clean(self.root)

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Future[T]:
        return self.committer.submit(fn)

    def after_commit(self, outcome: Any) -> None:
        """Remove data files that committed transactions released (see ``garbage``)."""
        self.collect_garbage()

    def collect_garbage(self) -> int:
        if not GARBAGE_PENDING.is_set():
            return 0
        with self._garbage_lock:
            GARBAGE_PENDING.clear()
            rows = self.reader.execute("SELECT file FROM garbage LIMIT 10000").fetchall()
            if not rows:
                return 0
            for (rel,) in rows:
                self.files.remove(rel)
            names = [r[0] for r in rows]
            if len(names) == 10000:
                GARBAGE_PENDING.set()  # more than one round's worth

            def forget(conn: sqlite3.Connection) -> None:
                conn.executemany("DELETE FROM garbage WHERE file = ?", [(n,) for n in names])

            self.committer.submit(forget)
            return len(names)

    # -- buckets -----------------------------------------------------------------
    def get_bucket(self, name: str) -> Bucket:
        """The bucket's current record (read-only: change it with txn_set_bucket)."""
        row = self.reader.execute(
            "SELECT name, created, owner, versioning, quota, size, objects, config "
            "FROM buckets WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            raise no_such_bucket(name)
        return bucket_from_row(row, shared=True)

    def list_buckets(self) -> list[Bucket]:
        rows = self.reader.execute(
            "SELECT name, created, owner, versioning, quota, size, objects, config "
            "FROM buckets ORDER BY name"
        )
        return [bucket_from_row(r, shared=True) for r in rows]

    def txn_create_bucket(
        self, name: str, owner: str, config: dict[str, Any] | None = None
    ) -> Callable[[sqlite3.Connection], Bucket]:
        def run(conn: sqlite3.Connection) -> Bucket:
            row = conn.execute("SELECT owner FROM buckets WHERE name = ?", (name,)).fetchone()
            if row is not None:
                code = "BucketAlreadyOwnedByYou" if row[0] == owner else "BucketAlreadyExists"
                raise EngineError(code, bucket=name)
            created = time.time()
            conn.execute(
                "INSERT INTO buckets (name, created, owner, config) VALUES (?,?,?,?)",
                (name, created, owner, dumps(config or {})),
            )
            return Bucket(name, created, owner, config=config or {})

        return run

    def txn_delete_bucket(self, name: str) -> Callable[[sqlite3.Connection], None]:
        def run(conn: sqlite3.Connection) -> None:
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
                    add_garbage(conn, file)
                conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            conn.execute("DELETE FROM uploads WHERE bucket = ?", (name,))
            conn.execute("DELETE FROM buckets WHERE name = ?", (name,))

        return run

    def txn_set_bucket(
        self, name: str, update: Callable[[Bucket], None]
    ) -> Callable[[sqlite3.Connection], Bucket]:
        """Read-modify-write of a bucket's settings (versioning, quota, config, owner)."""

        def run(conn: sqlite3.Connection) -> Bucket:
            row = conn.execute(
                "SELECT name, created, owner, versioning, quota, size, objects, config "
                "FROM buckets WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                raise no_such_bucket(name)
            bucket = bucket_from_row(row)
            update(bucket)
            conn.execute(
                "UPDATE buckets SET versioning = ?, quota = ?, config = ?, owner = ? "
                "WHERE name = ?",
                (bucket.versioning, bucket.quota, json.dumps(bucket.config), bucket.owner, name),
            )
            return bucket

        return run

    # -- objects -----------------------------------------------------------------
    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        return objects.get(self.reader, bucket, key, version_id)

    def list_objects(self, bucket: str, **kwargs: Any) -> ListPage:
        self.get_bucket(bucket)
        return listing.list_current(self.reader, bucket, **kwargs)

    def list_versions(self, bucket: str, **kwargs: Any) -> ListPage:
        self.get_bucket(bucket)
        return listing.list_versions(self.reader, bucket, **kwargs)

    def data_path(self, rel: str) -> Path:
        return self.files.path(rel)

    # -- multipart -----------------------------------------------------------------
    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload:
        return multipart.get_upload(self.reader, bucket, key, upload_id)

    def list_parts(self, upload_id: str, marker: int = 0, limit: int = 1000) -> list[Part]:
        return multipart.list_parts(self.reader, upload_id, marker, limit)

    def list_uploads(self, bucket: str, **kwargs: Any) -> list[Upload]:
        self.get_bucket(bucket)
        return multipart.list_uploads(self.reader, bucket, **kwargs)


BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def valid_bucket_name(name: str) -> bool:
    """S3's general-purpose bucket naming rules."""
    if not BUCKET_NAME.match(name) or IP_LIKE.match(name):
        return False
    if ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        return False
    return not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
