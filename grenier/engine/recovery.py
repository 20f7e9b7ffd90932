"""Start-up recovery: what an interrupted write leaves behind is removed.

1. ``tmp/`` holds only bodies that were never acknowledged: it is emptied.
2. ``garbage`` lists files whose last index reference was removed by a committed
   transaction; they are deleted (the process may have died before doing it).
3. After an unclean stop (no ``clean-shutdown`` marker), ``objects/`` may hold a file
   published just before its commit failed to happen. An orphan sweep compares the
   files with the index references. It runs synchronously on small stores and in a
   background thread on big ones (``GRENIER_SWEEP_SYNC_LIMIT`` index rows, 200,000 by
   default), so start-up stays fast.

Why the sweep cannot remove a file that a committed row references, even while the
server writes beside it: a file is removed only if (a) no row referenced it when the
sweep began, (b) no row references it after the walk (a second look at the index),
and (c) its inode was neither written nor given a new name since the sweep began
(``max(mtime, ctime)`` older than the start). Every file the engine publishes after the
start fails (c): a new body was written then (mtime), and a copy's hard link changes
the inode's ctime. So a file published but not yet committed while the sweep runs is
never taken for an orphan, and a file committed during the walk is caught by (b).
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
# Spare files touched up to this long before the start too: the kernel stamps inodes
# from a coarse clock that may lag time.time() by up to one tick (<= 10 ms).
CLOCK_MARGIN = 0.05


def sync_sweep_limit() -> int:
    """Index rows up to which the orphan sweep runs before serving (else in the
    background): ``GRENIER_SWEEP_SYNC_LIMIT`` (tests force a background sweep with 0)."""
    try:
        return int(os.environ.get("GRENIER_SWEEP_SYNC_LIMIT", SYNC_SWEEP_LIMIT))
    except ValueError:
        return SYNC_SWEEP_LIMIT


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


def _touched_since(path: Path, started: float) -> bool:
    """Written or (re)linked since ``started`` (or gone): not an orphan candidate."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return True
    return max(st.st_mtime, st.st_ctime) >= started - CLOCK_MARGIN


def sweep_orphans(conn: sqlite3.Connection, store: FileStore, started: float) -> int:
    """Remove data files no committed row references (see the module docstring for why
    a referenced file is never removed)."""
    known = referenced_files(conn)
    candidates: list[Path] = []
    for dirpath, _dirs, names in os.walk(store.objects):
        for name in names:
            path = Path(dirpath) / name
            if str(path.relative_to(store.objects)) in known:
                continue
            if not _touched_since(path, started):
                candidates.append(path)
    if not candidates:
        return 0
    known = referenced_files(conn)  # rows committed while the walk ran
    removed = 0
    for path in candidates:
        if str(path.relative_to(store.objects)) in known or _touched_since(path, started):
            continue
        try:
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
    if count <= sync_sweep_limit():
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
    """Record a clean stop (the next start skips the orphan sweep). On a full disk the
    marker may not fit: the next start then sweeps, which is only slower."""
    try:
        (root / CLEAN_MARKER).write_text("1")
    except OSError as exc:
        log.warning("could not record a clean stop (%s): the next start sweeps for orphans", exc)
