"""Worker supervision: a worker killed with -9 is reaped, logged and replaced."""

from __future__ import annotations

import http.client
import os
import signal
from pathlib import Path

from tests.server.procs import children, proc_state, wait_for
from tests.servers import GrenierServer


def _served_by(server: GrenierServer) -> int:
    """The low 16 bits of the pid of the worker that answered one fresh connection (the
    request id embeds them)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        return int(resp.getheader("x-amz-request-id", "")[8:12], 16)
    finally:
        conn.close()


def test_worker_killed_with_sigkill_is_reaped_and_replaced(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "3")
    try:
        assert server.proc is not None
        parent = server.proc.pid
        before = wait_for(lambda: len(children(parent)) == 2 and children(parent), 20, "2 workers")
        assert isinstance(before, dict)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)

        def replaced() -> dict[int, str] | None:
            now = children(parent)
            fresh = [pid for pid in now if pid not in before]
            return now if fresh and victim not in now else None

        after = wait_for(replaced, 30, "the killed worker reaped and a new one started")
        assert isinstance(after, dict)
        assert proc_state(victim) is None  # reaped: no zombie left behind
        assert len(after) == 2 and all(state != "Z" for state in after.values())
        (new,) = (pid for pid in after if pid not in before)
        wait_for(
            lambda: (
                f"worker {victim} was killed by SIGKILL; starting a replacement" in server.log()
            ),
            10,
            "the supervisor logs why",
        )
        # Every worker, the new one included, answers on fresh connections.
        wanted = {new & 0xFFFF, parent & 0xFFFF}
        seen: set[int] = set()
        wait_for(lambda: seen.add(_served_by(server)) or wanted <= seen, 60, "new worker serves")
        s3 = server.client()
        s3.create_bucket(Bucket="after-kill")
        s3.put_object(Bucket="after-kill", Key="k", Body=b"still here")
        assert s3.get_object(Bucket="after-kill", Key="k")["Body"].read() == b"still here"
    finally:
        assert server.stop() == 0
    assert server.proc is not None
    assert children(server.proc.pid) == {}


def test_stop_does_not_replace_workers(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "2")
    assert server.proc is not None
    parent = server.proc.pid
    (child,) = wait_for(lambda: children(parent), 20, "one worker")  # type: ignore[misc]
    assert server.stop() == 0
    assert proc_state(child) is None
    assert "starting a replacement" not in server.log()
