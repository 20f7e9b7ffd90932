"""The group committer under cancellation (issue 12, item 11).

* A caller that gives up on a queued job (its future cancelled) must not kill the writer
  thread: every later write of that worker would hang.
* A write whose caller is cancelled while its transaction runs may still commit: its
  data file must stay (it was removed on cancellation, leaving a row without bytes).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from grenier.engine import Engine, EngineConfig
from grenier.engine.committer import Committer
from tests.engine import test_sqlite
from tests.engine.helpers import body


def test_a_cancelled_job_does_not_stop_the_writer(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "db", isolation_level=None, check_same_thread=False)
    conn.execute("CREATE TABLE t (v INTEGER)")
    lock_path = tmp_path / "lock"
    committer = Committer(conn, str(lock_path))
    holder = os.open(lock_path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # the writer waits here with the job in hand
    try:
        gone = committer.submit(lambda c: c.execute("INSERT INTO t VALUES (1)"))
        gone.cancel()
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    later = committer.submit(lambda c: c.execute("INSERT INTO t VALUES (2)").rowcount)
    assert later.result(timeout=10) == 1
    assert committer.thread.is_alive()
    assert [r[0] for r in conn.execute("SELECT v FROM t")] == [2]  # the cancelled job never ran
    committer.close()


def test_a_write_cancelled_during_its_commit_keeps_its_file(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "data", EngineConfig(durable=False))
    engine.recover()
    asyncio.run(engine.create_bucket("bkt", "root"))
    data = os.urandom(300 * 1024)
    began = threading.Event()
    engine.writer.set_trace_callback(lambda sql: began.set() if sql == "BEGIN IMMEDIATE" else None)
    blocker = sqlite3.connect(engine.root / "meta.db", isolation_level=None, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")  # the writer's transaction waits for this one

    async def cancel_mid_commit() -> None:
        task = asyncio.ensure_future(engine.put_object("bkt", "k", body(data)))
        while not began.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(cancel_mid_commit())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    engine.committer.submit(lambda c: None).result(timeout=30)  # the write's batch is over
    engine.writer.set_trace_callback(None)

    async def read() -> bytes:
        with engine.open_object("bkt", "k") as opened:
            return b"".join([d async for d in opened.iter_range(0, opened.version.size)])

    assert asyncio.run(read()) == data
    test_sqlite.TestSqliteEngine().assert_clean(engine)
