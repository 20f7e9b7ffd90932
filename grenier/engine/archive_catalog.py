"""The catalogue of an archive bucket: one index row per file of the tree.

A scan (:func:`scan`) walks the tree (:func:`grenier.engine.archive_paths.walk`) and
writes the rows in transactions of a few thousand through the committer, each tagged
with the scan's generation; when the walk ends, rows of older generations (files gone
since) are deleted. Listings are then range scans of ``archive_files`` in key byte
order, with the same seek-past-the-group walker as object listings
(:mod:`grenier.engine.listing`), so a listing of a million files is index seeks.

Until the first scan of an archive completes, listings are refused (ServiceUnavailable):
a partial catalogue would look like missing files. Reads never wait for the catalogue:
a GET opens the file itself, and a file whose inode, size or mtime differs from its row
(or that has no row, or has vanished) updates the catalogue at once.

ETags (:func:`stat_etag`) are derived from ``(inode, size, mtime_ns)`` — stable while the
file is unchanged, different as soon as it is replaced or rewritten — and written as
``<32 hex>-1`` so that clients which check an ETag against the MD5 of the bytes
(rclone, s3cmd) treat it, like a multipart ETag, as not an MD5.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from grenier.engine.archive_paths import WalkStats, walk
from grenier.engine.rows import enc_key

BATCH = 2000

DDL = """
CREATE TABLE IF NOT EXISTS archives (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    requested REAL,
    started REAL,
    finished REAL,
    files INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS archive_files (
    archive TEXT NOT NULL,
    key BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    etag TEXT NOT NULL,
    generation INTEGER NOT NULL,
    PRIMARY KEY (archive, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS archive_refs (
    archive TEXT NOT NULL,
    key BLOB NOT NULL,
    stamp TEXT NOT NULL,
    refs BLOB,
    error TEXT NOT NULL DEFAULT '',
    built REAL NOT NULL,
    PRIMARY KEY (archive, key)
) WITHOUT ROWID;
"""

LIST_SQL = (
    "SELECT key, size, etag, mtime_ns / 1e9, '{{}}' FROM archive_files "
    "WHERE archive = ? AND {cond} ORDER BY key"
)


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(DDL)


def file_stamp(st: os.stat_result) -> str:
    """What identifies one state of a file: ``inode:size:mtime_ns``."""
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def stamp_etag(stamp: str) -> str:
    """The ETag of a file in the state ``stamp`` (see the module docstring)."""
    return hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest() + "-1"


def stat_etag(st: os.stat_result) -> str:
    return stamp_etag(file_stamp(st))


@dataclass
class FileRow:
    size: int
    mtime_ns: int
    inode: int
    etag: str

    def matches(self, st: os.stat_result) -> bool:
        return (self.size, self.mtime_ns, self.inode) == (st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass
class ArchiveStatus:
    """Where an archive's catalogue stands (the admin API's answer)."""

    name: str
    path: str
    scanning: bool
    generation: int
    complete: int  # generation of the last complete scan (0: none yet)
    requested: float | None  # last rescan request (a scan starting later answers it)
    started: float | None
    finished: float | None
    files: int
    bytes: int
    skipped: int
    error: str

    @property
    def ready(self) -> bool:
        return self.complete > 0

    def doc(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "state": "scanning" if self.scanning else ("ready" if self.ready else "pending"),
            "ready": self.ready,
            "generation": self.generation,
            "requested": self.requested,
            "started": self.started,
            "finished": self.finished,
            "files": self.files,
            "bytes": self.bytes,
            "skipped": self.skipped,
            "error": self.error,
        }


def status(conn: sqlite3.Connection, name: str, scanning: bool) -> ArchiveStatus | None:
    row = conn.execute(
        "SELECT name, path, generation, complete, requested, started, finished, files, bytes, "
        "skipped, error FROM archives WHERE name = ?",
        (name,),
    ).fetchone()
    if row is None:
        return None
    return ArchiveStatus(row[0], row[1], scanning, *row[2:])


def due(found: ArchiveStatus, interval: float, since: float, now: float) -> bool:
    """Whether a scan should start: none since ``since`` (the server's start), one asked
    for after the last one started, or ``interval`` seconds since the last one."""
    started = found.started
    if started is None or started < since:
        return True
    if found.requested is not None and found.requested >= started:
        return True
    return interval > 0 and now - started >= interval


def file_row(conn: sqlite3.Connection, archive: str, key: str) -> FileRow | None:
    row = conn.execute(
        "SELECT size, mtime_ns, inode, etag FROM archive_files WHERE archive = ? AND key = ?",
        (archive, enc_key(key)),
    ).fetchone()
    return FileRow(*row) if row else None


def keys_with_prefix(conn: sqlite3.Connection, archive: str, prefix: str) -> list[str]:
    """Every catalogued key starting with ``prefix`` (aggregation members)."""
    low = enc_key(prefix)
    rows = conn.execute(
        "SELECT key FROM archive_files WHERE archive = ? AND key >= ? AND key < ? ORDER BY key",
        (archive, low, low + b"\xff"),
    )
    return [bytes(r[0]).decode("utf-8") for r in rows]


def has_prefix(conn: sqlite3.Connection, archive: str, prefix: str) -> bool:
    low = enc_key(prefix)
    row = conn.execute(
        "SELECT 1 FROM archive_files WHERE archive = ? AND key >= ? AND key < ? LIMIT 1",
        (archive, low, low + b"\xff"),
    ).fetchone()
    return row is not None


# -- transactions (run by the committer's writer) ------------------------------------------


def txn_register(conn: sqlite3.Connection, name: str, path: str) -> None:
    """Create or re-point an archive's row; a new path forgets the old catalogue."""
    row = conn.execute("SELECT path FROM archives WHERE name = ?", (name,)).fetchone()
    if row is not None and row[0] == path:
        return
    txn_forget(conn, name)
    conn.execute("INSERT INTO archives (name, path) VALUES (?, ?)", (name, path))


def txn_request(conn: sqlite3.Connection, name: str, when: float) -> None:
    conn.execute("UPDATE archives SET requested = ? WHERE name = ?", (when, name))


def txn_forget(conn: sqlite3.Connection, name: str) -> None:
    for table in ("archive_files", "archive_refs"):
        conn.execute(f"DELETE FROM {table} WHERE archive = ?", (name,))
    conn.execute("DELETE FROM archives WHERE name = ?", (name,))


def txn_note_file(
    conn: sqlite3.Connection, archive: str, key: str, st: os.stat_result | None
) -> None:
    """A read found a file changed, new (``st``) or gone (None): catalogue it so."""
    if st is None:
        conn.execute(
            "DELETE FROM archive_files WHERE archive = ? AND key = ?", (archive, enc_key(key))
        )
        return
    conn.execute(
        "INSERT OR REPLACE INTO archive_files VALUES (?, ?, ?, ?, ?, ?, "
        "(SELECT generation FROM archives WHERE name = ?))",
        (archive, enc_key(key), st.st_size, st.st_mtime_ns, st.st_ino, stat_etag(st), archive),
    )


def _txn_begin(conn: sqlite3.Connection, archive: str) -> int:
    conn.execute(
        "UPDATE archives SET generation = generation + 1, started = ?, error = '' WHERE name = ?",
        (time.time(), archive),
    )
    row = conn.execute("SELECT generation FROM archives WHERE name = ?", (archive,)).fetchone()
    return int(row[0])


def _txn_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany("INSERT OR REPLACE INTO archive_files VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _txn_sweep(conn: sqlite3.Connection, archive: str, generation: int) -> int:
    """Delete up to BATCH rows of older generations; how many went."""
    cur = conn.execute(
        "DELETE FROM archive_files WHERE archive = ? AND key IN (SELECT key FROM archive_files "
        "WHERE archive = ? AND generation < ? LIMIT ?)",
        (archive, archive, generation, BATCH),
    )
    return cur.rowcount


def _txn_finish(
    conn: sqlite3.Connection, archive: str, generation: int, stats: WalkStats, error: str
) -> None:
    files, size = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM archive_files WHERE archive = ?",
        (archive,),
    ).fetchone()
    complete = "generation" if not error else "complete"
    conn.execute(
        f"UPDATE archives SET complete = {complete}, finished = ?, files = ?, bytes = ?, "
        "skipped = ?, error = ? WHERE name = ? AND generation = ?",
        (time.time(), files, size, stats.skipped + stats.errors, error, archive, generation),
    )


Submit = Callable[[Callable[[sqlite3.Connection], Any]], "Future[Any]"]


class Stopped(Exception):
    """The engine is closing: the scan stops where it is (the old catalogue stays)."""


def scan(submit: Submit, archive: str, root_fd: int, stopping: Callable[[], bool]) -> None:
    """Walk the tree under ``root_fd`` into the catalogue (blocking: run it on a thread).
    ``submit`` hands a transaction to the committer; ``stopping`` is polled between
    batches."""
    generation = submit(lambda c: _txn_begin(c, archive)).result()
    stats = WalkStats()
    error = ""
    try:
        batch: list[tuple[Any, ...]] = []
        for key, st in walk(root_fd, stats):
            batch.append(
                (
                    archive,
                    enc_key(key),
                    st.st_size,
                    st.st_mtime_ns,
                    st.st_ino,
                    stat_etag(st),
                    generation,
                )
            )
            if len(batch) >= BATCH:
                if stopping():
                    raise Stopped("the server is stopping")
                rows, batch = batch, []
                submit(lambda c, rows=rows: _txn_rows(c, rows)).result()  # type: ignore[misc]
        if batch:
            submit(lambda c: _txn_rows(c, batch)).result()
        while submit(lambda c: _txn_sweep(c, archive, generation)).result() >= BATCH:
            pass
    except Stopped:
        return
    except Exception as exc:  # noqa: BLE001 - recorded; the old catalogue stays usable
        error = f"{type(exc).__name__}: {exc}"
    submit(lambda c: _txn_finish(c, archive, generation, stats, error)).result()
