"""Group commit: one writer thread batches index transactions.

Callers submit a function of the connection; the writer runs every function waiting
in the queue inside one ``BEGIN IMMEDIATE … COMMIT`` (each in its own SAVEPOINT, so
one refusal does not undo its neighbours) and pays one WAL fsync for the whole batch.
Each caller's future resolves only after the COMMIT returned, i.e. after the fsync.
"""

from __future__ import annotations

import fcntl
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from grenier.engine import stats
from grenier.engine.files import batch_committed

Job = tuple[Callable[[sqlite3.Connection], Any], "Future[Any]"]

MAX_BATCH = 256


class Committer:
    """``lock_path``: a file whose flock serialises the writers of several processes
    (workers) before SQLite sees them. SQLite's own busy handler waits by sleeping in
    coarse steps (up to 100 ms), which made concurrent writes from two workers stall;
    a kernel lock wakes the next writer the moment the previous one commits."""

    def __init__(self, conn: sqlite3.Connection, lock_path: str | None = None) -> None:
        self.conn = conn
        self.lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600) if lock_path else -1
        self.jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="grenier-commit", daemon=True)
        self.thread.start()
        stats.track_committer(self)

    def submit(self, fn: Callable[[sqlite3.Connection], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self.jobs.put((fn, fut))
        return fut

    def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Submit and wait (for callers that are not on the event loop)."""
        return self.submit(fn).result()

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=30)
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1

    def _run(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[Job]) -> None:
        if self.lock_fd < 0:
            self._commit_locked(batch)
            return
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        try:
            self._commit_locked(batch)
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)

    def _commit_locked(self, batch: list[Job]) -> None:
        results: list[tuple[Future[Any], bool, Any]] = []
        conn = self.conn
        started = time.monotonic()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, fut in batch:
                conn.execute("SAVEPOINT job")
                try:
                    value = fn(conn)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    results.append((fut, False, exc))
                else:
                    conn.execute("RELEASE job")
                    results.append((fut, True, value))
            conn.execute("COMMIT")
            stats.COMMIT_SECONDS.observe(time.monotonic() - started)
            stats.COMMIT_JOBS.observe(len(batch))
            batch_committed()
        except BaseException as exc:  # noqa: BLE001 - the whole batch failed
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for _fn, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for fut, ok, value in results:
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
