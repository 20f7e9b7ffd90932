"""Slow and idle clients: header, idle and body deadlines, the per-worker connection cap
and the open-file limit (bounded floods on loopback; every wait has an upper bound)."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server.procs import wait_for
from tests.servers import GrenierServer, free_port, wait_http

TIMEOUTS = ("--read-header-timeout", "2s", "--idle-timeout", "3s", "--body-timeout", "2s")


def _closed_by_server(sock: socket.socket, bound: float) -> bool:
    """True when the server closes ``sock`` (EOF or reset) within ``bound`` seconds."""
    sock.settimeout(bound)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.fixture
def guarded(tmp_path: Path):  # noqa: ANN201
    server = GrenierServer.start(
        tmp_path / "data", "--workers", "1", "--max-connections", "64", *TIMEOUTS
    )
    yield server
    server.stop()


def test_slowloris_flood_neither_locks_out_nor_lingers(guarded: GrenierServer) -> None:
    s3 = guarded.client()
    s3.create_bucket(Bucket="slow")
    half_sent = []
    for i in range(300):  # far more than --max-connections 64
        sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
        sock.sendall(f"PUT /slow/k{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode())
        half_sent.append(sock)
    # During the flood a new client is served: it takes the place of a half-sent request.
    s3.put_object(Bucket="slow", Key="during", Body=b"served during the flood")
    assert guarded.proc is not None
    assert _open_fds(guarded.proc.pid) < 200  # the cap held: not 300 sockets
    # Every half-sent request is cut (evicted, or after --read-header-timeout).
    deadline = time.monotonic() + 30
    for sock in half_sent:
        assert _closed_by_server(sock, max(0.1, deadline - time.monotonic()))
        sock.close()
    for i in range(20):  # and fresh connections are served afterwards
        s3 = guarded.client()
        s3.put_object(Bucket="slow", Key=f"after{i}", Body=b"x" * i)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="slow")["Contents"]}
    assert keys == {"during"} | {f"after{i}" for i in range(20)}
    assert "request headers incomplete after 2s" in guarded.log()


def test_idle_connections_are_closed_and_replaced_at_the_cap(guarded: GrenierServer) -> None:
    idle = [socket.create_connection(("127.0.0.1", guarded.port), timeout=10) for _ in range(200)]
    s3 = guarded.client()
    s3.create_bucket(Bucket="idle")  # served: an idle connection made room
    deadline = time.monotonic() + 30
    for sock in idle:
        assert _closed_by_server(sock, max(0.1, deadline - time.monotonic()))
        sock.close()
    # A keep-alive connection that served a request is closed once idle for 3 s.
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
    sock.sendall(b"GET /minio/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    assert _closed_by_server(sock, 30)
    sock.close()
    assert s3.head_bucket(Bucket="idle")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_stalled_body_is_cut_and_leaves_nothing(guarded: GrenierServer) -> None:
    s3 = guarded.client()
    s3.create_bucket(Bucket="stall")
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "stall", "Key": "half"})
    path = url[len(guarded.endpoint) :]
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
    sock.sendall(
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{guarded.port}\r\n"
        "Content-Length: 1000000\r\n\r\n".encode()
        + b"x" * 300_000
    )
    assert _closed_by_server(sock, 30)
    sock.close()
    assert "request body stalled for 2s" in guarded.log()
    assert s3.list_objects_v2(Bucket="stall").get("KeyCount") == 0
    wait_for(lambda: not any((guarded.data_dir / "tmp").iterdir()), 10, "temp file removed")


def test_slow_but_steady_body_is_not_cut(guarded: GrenierServer) -> None:
    """The body deadline is a stall deadline: a body that keeps coming is accepted."""
    s3 = guarded.client()
    s3.create_bucket(Bucket="steady")
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "steady", "Key": "k"})
    path = url[len(guarded.endpoint) :]
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=30)
    body = os.urandom(8 * 1024)
    sock.sendall(
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{guarded.port}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    for i in range(0, len(body), 1024):  # 8 pieces, 0.5 s apart: 4 s > --body-timeout 2s
        sock.sendall(body[i : i + 1024])
        time.sleep(0.5)
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    sock.close()
    assert s3.get_object(Bucket="steady", Key="k")["Body"].read() == body


def test_open_file_limit_is_raised_to_the_hard_limit(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 512:
        pytest.skip(f"needs a finite hard open-file limit above 512 (have {hard})")

    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))

    port = free_port()
    env = dict(os.environ, GRENIER_ROOT_USER="limits", GRENIER_ROOT_PASSWORD="limits-secret")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(tmp_path / "d"),
            "--address",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        preexec_fn=lower,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/minio/health/ready", proc)  # type: ignore[arg-type]
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        (line,) = (row for row in limits.splitlines() if row.startswith("Max open files"))
        assert line.split()[3:5] == [str(hard), str(hard)]
    finally:
        proc.terminate()
        proc.wait(30)


def test_server_help_shows_the_connection_settings() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "grenier", "server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    for option in (
        "--idle-timeout",
        "--read-header-timeout",
        "--body-timeout",
        "--max-connections",
    ):
        assert option in out
