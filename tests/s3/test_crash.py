"""Crash safety (Grenier only): kill -9 the server while a body is being received.

Each test starts its own server on its own DATA_DIR. A raw http.client-level socket
sends the request headers and only part of the body, slowly, so the kill always lands
mid-body. After a restart:

* the previous version of the key is intact (bytes and ETag), or the key is absent;
* no partial object is visible;
* nothing is left in DATA_DIR/tmp, and the data files under DATA_DIR/objects are exactly
  the files the index references (see grenier/engine/recovery.py for the layout);
* ``PRAGMA integrity_check`` on DATA_DIR/meta.db says ``ok``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.s3.helpers import MIB, etag_of, expect_error, key_path, multipart_etag, sign_headers
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GrenierServer]:
    srv = GrenierServer.start(tmp_path / "data")
    yield srv
    srv.stop()


def start_partial_put(
    server: GrenierServer,
    path: str,
    total: int,
    sent: int,
    query: str = "",
) -> socket.socket:
    """Send headers for a ``total``-byte PUT, then only ``sent`` bytes, slowly."""
    parts = urlsplit(server.endpoint)
    target = path + (f"?{query}" if query else "")
    headers = sign_headers(
        server,
        "PUT",
        f"{server.endpoint}{target}",
        {"Host": parts.netloc, "Content-Length": str(total)},
        None,
        unsigned_payload=True,
    )
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = f"PUT {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(head.encode() + b"\r\n")
    chunk = 64 * 1024
    body = os.urandom(sent)
    for start in range(0, sent, chunk):
        sock.sendall(body[start : start + chunk])
        time.sleep(0.01)
    return sock


def wait_for_temp(server: GrenierServer, timeout: float = 3.0) -> None:
    """Give the server time to start spooling the body (bounded)."""
    tmp = server.data_dir / "tmp"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tmp.is_dir() and any(tmp.iterdir()):
            return
        time.sleep(0.05)


def crash_and_restart(server: GrenierServer, sock: socket.socket) -> None:
    server.kill9()
    sock.close()
    server.launch()


def data_files(data_dir: Path) -> set[str]:
    root = data_dir / "objects"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def referenced_files(data_dir: Path) -> set[str]:
    uri = f"file:{data_dir / 'meta.db'}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        files: set[str] = set()
        for (segments,) in conn.execute("SELECT segments FROM objects"):
            files.update(f for f, _size in json.loads(segments or "[]"))
        files.update(f for (f,) in conn.execute("SELECT file FROM parts WHERE file IS NOT NULL"))
        return files
    finally:
        conn.close()


def assert_store_clean(server: GrenierServer) -> None:
    tmp = server.data_dir / "tmp"
    leftovers = list(tmp.iterdir()) if tmp.exists() else []
    assert leftovers == [], leftovers
    assert data_files(server.data_dir) == referenced_files(server.data_dir)
    conn = sqlite3.connect(f"file:{server.data_dir / 'meta.db'}?mode=ro", uri=True, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def assert_object(s3: Any, bucket: str, key: str, body: bytes, etag: str | None = None) -> None:
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ETag"] == (etag or etag_of(body))


def test_kill_during_first_put(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="crash")
    sock = start_partial_put(server, key_path("crash", "new"), total=2 * MIB, sent=MIB)
    wait_for_temp(server)
    crash_and_restart(server, sock)
    s3 = server.client()
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket="crash", Key="new")
    assert s3.list_objects_v2(Bucket="crash")["KeyCount"] == 0
    assert_store_clean(server)


@pytest.mark.parametrize("old_size", [1000, 300 * 1024], ids=["inline-old", "file-old"])
def test_kill_during_overwrite(server: GrenierServer, old_size: int) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="crash")
    old = os.urandom(old_size)
    s3.put_object(Bucket="crash", Key="k", Body=old, Metadata={"v": "1"})
    sock = start_partial_put(server, key_path("crash", "k"), total=2 * MIB, sent=MIB)
    wait_for_temp(server)
    crash_and_restart(server, sock)
    s3 = server.client()
    assert_object(s3, "crash", "k", old)
    assert s3.head_object(Bucket="crash", Key="k")["Metadata"] == {"v": "1"}
    assert [c["Key"] for c in s3.list_objects_v2(Bucket="crash")["Contents"]] == ["k"]
    assert_store_clean(server)
    # The store keeps working after recovery.
    s3.put_object(Bucket="crash", Key="k", Body=b"after")
    assert_object(s3, "crash", "k", b"after")


def test_kill_during_multipart_part(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="crash")
    old = os.urandom(200 * 1024)
    s3.put_object(Bucket="crash", Key="mp", Body=old)
    part1 = os.urandom(5 * MIB)
    uid = s3.create_multipart_upload(Bucket="crash", Key="mp")["UploadId"]
    e1 = s3.upload_part(Bucket="crash", Key="mp", UploadId=uid, PartNumber=1, Body=part1)["ETag"]
    sock = start_partial_put(
        server,
        key_path("crash", "mp"),
        total=5 * MIB,
        sent=2 * MIB,
        query=f"partNumber=2&uploadId={uid}",
    )
    wait_for_temp(server)
    crash_and_restart(server, sock)
    s3 = server.client()
    assert_object(s3, "crash", "mp", old)
    # The acknowledged part survived; the interrupted one left nothing.
    parts = s3.list_parts(Bucket="crash", Key="mp", UploadId=uid).get("Parts", [])
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, e1, len(part1))]
    assert_store_clean(server)
    e2 = s3.upload_part(Bucket="crash", Key="mp", UploadId=uid, PartNumber=2, Body=b"tail")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket="crash",
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
    )
    assert done["ETag"] == multipart_etag([part1, b"tail"])
    assert_object(s3, "crash", "mp", part1 + b"tail", done["ETag"])
    assert_store_clean(server)


def test_acknowledged_writes_survive_kill(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="crash")
    bodies = {f"k{i}": os.urandom(size) for i, size in enumerate((10, 100 * 1024, 600 * 1024))}
    for key, body in bodies.items():
        s3.put_object(Bucket="crash", Key=key, Body=body)
    s3.delete_object(Bucket="crash", Key="k0")
    server.kill9()
    server.launch()
    s3 = server.client()
    for key in ("k1", "k2"):
        assert_object(s3, "crash", key, bodies[key])
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket="crash", Key="k0")
    assert_store_clean(server)


def test_concurrent_puts_one_wins(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="race")
    for round_ in range(4):
        bodies = [os.urandom(1 * MIB + round_), os.urandom(1 * MIB + 7 + round_)]
        errors: list[BaseException] = []

        def writer(body: bytes, errors: list[BaseException] = errors) -> None:
            try:
                server.client().put_object(Bucket="race", Key="same", Body=body)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        got = s3.get_object(Bucket="race", Key="same")
        data = got["Body"].read()
        assert data in bodies
        assert got["ETag"] == etag_of(data)
    # The loser's data file is not left behind.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and data_files(server.data_dir) != referenced_files(
        server.data_dir
    ):
        time.sleep(0.1)
    assert_store_clean(server)
