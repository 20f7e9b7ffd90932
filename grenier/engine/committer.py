"""Group commit: one writer thread batches index transactions.

Callers submit a function of the connection; the writer runs every function waiting
in the queue inside one ``BEGIN IMMEDIATE … COMMIT`` (each in its own SAVEPOINT, so
one refusal does not undo its neighbours) and pays one WAL fsync for the whole batch.
Each caller's future resolves only after the COMMIT returned, i.e. after the fsync.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from grenier.engine.files import batch_committed

Job = tuple[Callable[[sqlite3.Connection], Any], "Future[Any]"]

MAX_BATCH = 256


class Committer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="grenier-commit", daemon=True)
        self.thread.start()

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
        results: list[tuple[Future[Any], bool, Any]] = []
        conn = self.conn
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
