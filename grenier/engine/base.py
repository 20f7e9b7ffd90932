"""What every engine operation builds on: the index connections, the group committer,
the data files, and the garbage collector.

Reads run on the caller's thread with a per-thread connection (on the event loop: a
point lookup costs microseconds, less than a thread hop). Every write is a function of
the writer connection handed to the :class:`Committer` and awaited with
:meth:`EngineBase._commit`, which returns once the transaction is durable.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from grenier.engine import killpoints, recovery, schema
from grenier.engine.committer import Committer
from grenier.engine.errors import EngineError
from grenier.engine.files import GARBAGE_PENDING, FileStore
from grenier.engine.space import Reserve, is_disk_full

T = TypeVar("T")

INLINE_LIMIT = 128 * 1024  # bodies up to this size live in the index row (one fsync)


@dataclass(frozen=True)
class EngineConfig:
    durable: bool = True
    inline_limit: int = INLINE_LIMIT
    reserve: int | None = None  # bytes of disk kept for deletes (None: the default)


class EngineBase:
    def __init__(self, root: Path, config: EngineConfig | None = None) -> None:
        self.root = Path(root)
        self.config = config or EngineConfig()
        self.root.mkdir(parents=True, exist_ok=True)
        self.space = Reserve(self.root, self.config.reserve)
        self.space.release_if_low()  # before SQLite needs room to open its files
        self.files = FileStore(self.root, durable=self.config.durable)
        self.db_path = self.root / "meta.db"
        self._local = threading.local()
        writer = schema.connect(self.db_path, durable=self.config.durable)
        schema.create(writer)
        self.writer = writer
        self.committer = Committer(writer, str(self.root / "meta.db.writer-lock"))
        self._garbage_lock = threading.Lock()
        self._kill = killpoints.configured()

    # -- connections -------------------------------------------------------------
    @property
    def reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self.db_path, durable=self.config.durable)
            self._local.conn = conn
        return conn

    def recover(self) -> recovery.RecoveryReport:
        """Start-up recovery (see :mod:`grenier.engine.recovery`), then the disk reserve
        is laid down if missing and there is room; before serving."""
        report = recovery.recover(self.writer, self.files, self.root)
        self.space.ensure()
        return report

    def close(self, *, clean: bool = True) -> None:
        self.committer.close()
        try:
            self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self.writer.close()
        if clean:
            recovery.mark_clean(self.root)

    # -- writes ------------------------------------------------------------------
    async def _commit(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        files: Sequence[str] = (),
        key: str | None = None,
        adds_data: bool = False,
    ) -> T:
        """Run ``fn`` in the next group commit; returns once it is durable. ``files``:
        data files published for this transaction, removed if it is refused. ``key``:
        the object key written (test kill points, :mod:`grenier.engine.killpoints`).
        On a full disk, a transaction that ``adds_data`` is refused
        (InsufficientStorage); any other releases the disk reserve and is retried.

        If the caller is cancelled while the transaction may still commit, the files
        stay until its outcome is known, and go only on a definite refusal (the job
        raised, or was cancelled before its batch began)."""
        if self._kill is not None:
            self._kill.reached("after-publish", key)
        retry = not adds_data
        while True:
            job = self.committer.submit(fn)
            try:
                result = await asyncio.wrap_future(job)
                break
            except asyncio.CancelledError:
                if files:
                    job.add_done_callback(lambda done: self._drop_if_refused(done, files))
                raise
            except sqlite3.Error as exc:
                if not is_disk_full(exc):
                    self._drop(files)
                    raise
                if retry and self.space.release():
                    retry = False  # once more, with the reserve's room
                    continue
                self._drop(files)
                raise EngineError("InsufficientStorage") from exc
            except BaseException:
                self._drop(files)
                raise
        self.collect_garbage()
        if self._kill is not None:
            self._kill.reached("after-commit", key)
        return result

    def check_space(self) -> None:
        """Refuse a data write on a disk with no room left beside the reserve (507)."""
        if not self.space.writes_allowed():
            raise EngineError("InsufficientStorage")

    def _drop(self, files: Sequence[str]) -> None:
        for rel in files:
            self.files.remove(rel)

    def _drop_if_refused(self, job: Future[Any], files: Sequence[str]) -> None:
        if job.cancelled() or job.exception() is not None:
            self._drop(files)

    def collect_garbage(self) -> int:
        """Remove data files that committed transactions released (see ``garbage``)."""
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
