"""Start-up recovery: what an interrupted write leaves behind is removed.

1. ``tmp/`` holds only bodies that were never acknowledged: it is emptied.
2. ``garbage`` lists files whose last index reference was removed by a committed
   transaction; they are deleted (the process may have died before doing it).
3. After an unclean stop (no ``clean-shutdown`` marker), ``objects/`` may hold a file
   published just before its commit failed to happen. An orphan sweep compares the
   files with the index references. It runs synchronously on small stores and in a
   background thread on big ones, so start-up stays fast; it only considers files
   older than the start of this process.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grenier.engine.files import FileStore

log = logging.getLogger("grenier.engine")

CLEAN_MARKER = "clean-shutdown"
SYNC_SWEEP_LIMIT = 200_000


@dataclass
class RecoveryReport:
    temp_removed: int = 0
    garbage_removed: int = 0
    orphans_removed: int = 0
    sweep: str = "skipped"  # skipped | done | background


def referenced_files(conn: sqlite3.Connection) -> set[str]:
    files: set[str] = set()
    for (segments,) in conn.execute("SELECT segments FROM objects WHERE segments != '[]'"):
        files.update(f for f, _size in json.loads(segments))
    files.update(f for (f,) in conn.execute("SELECT file FROM parts WHERE file IS NOT NULL"))
    return files


def sweep_orphans(conn: sqlite3.Connection, store: FileStore, started: float) -> int:
    known = referenced_files(conn)
    removed = 0
    for dirpath, _dirs, names in os.walk(store.objects):
        for name in names:
            path = Path(dirpath) / name
            rel = str(path.relative_to(store.objects))
            if rel in known:
                continue
            try:
                if path.stat().st_mtime >= started:
                    continue
                path.unlink()
                removed += 1
            except FileNotFoundError:
                continue
    return removed


def recover(conn: sqlite3.Connection, store: FileStore, root: Path) -> RecoveryReport:
    report = RecoveryReport()
    started = time.time()
    for entry in os.scandir(store.tmp):
        try:
            os.unlink(entry.path)
            report.temp_removed += 1
        except IsADirectoryError:
            continue
    for (rel,) in conn.execute("SELECT file FROM garbage").fetchall():
        store.remove(rel)
        report.garbage_removed += 1
    if report.garbage_removed:
        conn.execute("DELETE FROM garbage")
    marker = root / CLEAN_MARKER
    if marker.exists():
        marker.unlink()
        return report
    count = conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0]
    if count <= int(os.environ.get("GRENIER_SWEEP_SYNC_LIMIT", SYNC_SWEEP_LIMIT)):
        report.orphans_removed = sweep_orphans(conn, store, started)
        report.sweep = "done"
    else:
        report.sweep = "background"
        threading.Thread(target=_background_sweep, args=(root, store, started), daemon=True).start()
    return report


def _background_sweep(root: Path, store: FileStore, started: float) -> None:
    conn = sqlite3.connect(root / "meta.db", timeout=30)
    try:
        removed = sweep_orphans(conn, store, started)
        log.info("orphan sweep removed %d files", removed)
    finally:
        conn.close()


def mark_clean(root: Path) -> None:
    (root / CLEAN_MARKER).write_text("1")
