"""The store audit every fault test ends with: what is on disk matches the index.

* nothing is left in ``DATA_DIR/tmp``;
* the data files under ``DATA_DIR/objects`` are exactly the files the index references
  (object versions and multipart parts): no orphan, nothing missing;
* each bucket's usage counters equal the rows (object bytes, object count, bytes of
  incomplete multipart parts);
* ``PRAGMA integrity_check`` says ``ok``.

It reads ``meta.db`` read-only, from outside the server, as an operator would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def index(data_dir: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{data_dir / 'meta.db'}?mode=ro", uri=True, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def data_files(data_dir: Path) -> set[str]:
    root = data_dir / "objects"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def referenced_files(data_dir: Path) -> set[str]:
    with index(data_dir) as conn:
        files: set[str] = set()
        for (segments,) in conn.execute("SELECT segments FROM objects"):
            files.update(f for f, _size in json.loads(segments or "[]"))
        files.update(f for (f,) in conn.execute("SELECT file FROM parts WHERE file IS NOT NULL"))
        return files


def usage_mismatches(data_dir: Path) -> list[str]:
    """Buckets whose counters differ from their rows, described (empty when all agree)."""
    with index(data_dir) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(buckets)")}
        pending = "uploading" if "uploading" in columns else "0"
        wrong: list[str] = []
        for name, size, count, uploading in conn.execute(
            f"SELECT name, size, objects, {pending} FROM buckets"
        ).fetchall():
            rows = conn.execute(
                "SELECT COALESCE(SUM(size), 0), COALESCE(SUM(1 - delete_marker), 0) "
                "FROM objects WHERE bucket = ?",
                (name,),
            ).fetchone()
            parts = conn.execute(
                "SELECT COALESCE(SUM(p.size), 0) FROM parts p JOIN uploads u "
                "ON p.upload_id = u.upload_id WHERE u.bucket = ?",
                (name,),
            ).fetchone()[0]
            expected = (rows[0], rows[1], parts if pending != "0" else 0)
            if (size, count, uploading) != expected:
                wrong.append(f"{name}: counters {(size, count, uploading)} != rows {expected}")
        return wrong


def assert_store_clean(data_dir: Path) -> None:
    tmp = data_dir / "tmp"
    leftovers = list(tmp.iterdir()) if tmp.exists() else []
    assert leftovers == [], leftovers
    on_disk, referenced = data_files(data_dir), referenced_files(data_dir)
    assert on_disk - referenced == set(), "orphan data files"
    assert referenced - on_disk == set(), "referenced data files missing"
    assert usage_mismatches(data_dir) == []
    with index(data_dir) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
