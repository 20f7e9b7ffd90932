"""The machine's own limits, measured in the same run as the servers.

- disk: sequential 1 MiB writes to the work dir, then one ``fdatasync``: MiB/s to stable storage
- md5: ``hashlib.md5`` over 1 MiB buffers on one core: the cost of an S3 ETag
- loopback: one TCP stream over 127.0.0.1 between two processes
The fourth limit, the load generator's ceiling, is the workloads run against the sink.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import socket
import time
from pathlib import Path

from benchmarks.payload import PATTERN

MIB = 1 << 20


def disk_write(folder: Path, size: int) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "disk-limit.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(size // MIB):
            os.write(fd, PATTERN)
        os.fdatasync(fd)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return size / MIB / elapsed


def md5_one_core(size: int) -> float:
    h = hashlib.md5()
    start = time.perf_counter()
    for _ in range(size // MIB):
        h.update(PATTERN)
    h.hexdigest()
    return size / MIB / (time.perf_counter() - start)


def _receiver(port_queue: mp.Queue, size: int) -> None:  # type: ignore[type-arg]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port_queue.put(server.getsockname()[1])
        server.settimeout(30)
        conn, _ = server.accept()
        with conn:
            conn.settimeout(60)
            got = 0
            buf = bytearray(MIB)
            while got < size:
                n = conn.recv_into(buf)
                if not n:
                    break
                got += n
            conn.sendall(b"k")


def loopback_tcp(size: int) -> float:
    ctx = mp.get_context("spawn")
    ports: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_receiver, args=(ports, size), daemon=True)
    proc.start()
    try:
        port = ports.get(timeout=30)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            start = time.perf_counter()
            for _ in range(size // MIB):
                sock.sendall(PATTERN)
            sock.recv(1)
            elapsed = time.perf_counter() - start
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    return size / MIB / elapsed


def measure(work: Path, size: int) -> dict[str, float]:
    """All three limits, in MiB/s, each over ``size`` bytes."""
    return {
        "disk_fdatasync_mib_s": round(disk_write(work, size), 1),
        "md5_one_core_mib_s": round(md5_one_core(size), 1),
        "loopback_tcp_mib_s": round(loopback_tcp(size), 1),
    }
