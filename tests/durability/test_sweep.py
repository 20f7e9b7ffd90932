"""The orphan sweep after an unclean stop never removes a file a committed row references
(issue 12, data-loss item 1).

On big stores the sweep runs in the background while the server serves
(``GRENIER_SWEEP_SYNC_LIMIT=0`` forces that here). It used to spare only files newer than
the start and to compare with a list of references taken before it walked, so the hard
link a CopyObject made meanwhile (which keeps the source's old mtime) was removed: 144 of
293 acknowledged copies then answered 500.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.durability.audit import assert_store_clean
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow

KIB = 1024
ORPHANS = 20_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GrenierServer]:
    srv = GrenierServer.start(tmp_path / "data", "--workers", "1")
    yield srv
    srv.stop()


def no_retry_client(server: GrenierServer) -> Any:
    """A client that does not retry a 500: a failed request must show."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            max_pool_connections=8,
        ),
    )


def plant_orphans(data_dir: Path, count: int) -> None:
    """Data files no row references, as a crash between publish and commit leaves them,
    spread over the fan-out directories and older than the next start."""
    root = data_dir / "objects"
    for _ in range(count):
        name = os.urandom(16).hex()
        path = root / name[:2] / name[2:4] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"o")
        os.utime(path, (1, 1))


def sweep_finished(server: GrenierServer) -> bool:
    return "orphan sweep removed" in server.log()


def test_copies_survive_the_background_sweep(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="sweep")
    sources = {f"src-{i}": os.urandom(150 * KIB + i) for i in range(8)}
    for key, body in sources.items():
        s3.put_object(Bucket="sweep", Key=key, Body=body)
    server.kill9()  # unclean: the next start sweeps for orphans
    plant_orphans(server.data_dir, ORPHANS)
    server.launch(env={"GRENIER_SWEEP_SYNC_LIMIT": "0"})
    client = no_retry_client(server)
    copied: dict[str, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def copier(worker: int) -> None:
        n = 0
        while not stop.is_set() and n < 400:
            src = f"src-{(worker + n) % len(sources)}"
            dst = f"copy-{worker}-{n}"
            client.copy_object(Bucket="sweep", Key=dst, CopySource={"Bucket": "sweep", "Key": src})
            with lock:
                copied[dst] = src
            n += 1

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(copier, w) for w in range(4)]
        deadline = time.monotonic() + 60
        while not sweep_finished(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for fut in futures:
            fut.result()
    assert sweep_finished(server), "the background sweep did not finish"
    assert f"orphan sweep removed {ORPHANS} files" in server.log()
    assert copied
    s3 = no_retry_client(server)
    lost = []
    for dst, src in copied.items():
        try:
            body = s3.get_object(Bucket="sweep", Key=dst)["Body"].read()
        except ClientError as exc:
            lost.append((dst, exc.response["Error"]["Code"]))
            continue
        assert body == sources[src]
    assert lost == [], f"{len(lost)} of {len(copied)} acknowledged copies lost"
    server.stop()
    assert_store_clean(server.data_dir)
