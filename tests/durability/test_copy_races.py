"""A copy racing overwrites of its source copies the old or the new source, never fails
(issue 12, data-loss item 3: it used to answer 500 when the overwrite released the
source's file between the row read and the link)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import threading
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GrenierServer]:
    srv = GrenierServer.start(tmp_path / "data", "--workers", "2")
    yield srv
    srv.stop()


def no_retry_client(server: GrenierServer) -> Any:
    """A client that does not retry a 500: a failed copy must show."""
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


def test_copy_racing_overwrites_of_its_source(server: GrenierServer) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="race")
    bodies = [os.urandom(200 * KIB + i) for i in range(4)]
    digests = {hashlib.md5(b).hexdigest(): b for b in bodies}
    s3.put_object(Bucket="race", Key="src", Body=bodies[0])
    stop = threading.Event()
    writer_client = server.client(max_pool_connections=4)

    def overwrite(first: int) -> int:
        n = first
        while not stop.is_set():
            writer_client.put_object(Bucket="race", Key="src", Body=bodies[n % len(bodies)])
            n += 1
        return n - first

    failures: list[str] = []
    copies: list[str] = []
    copy_client = no_retry_client(server)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        writers = [pool.submit(overwrite, first) for first in (0, 1)]
        for i in range(300):
            dst = f"dst-{i}"
            # Half the copies also compute a new checksum, reading the source first.
            extra = {"ChecksumAlgorithm": "SHA256"} if i % 2 else {}
            try:
                copy_client.copy_object(
                    Bucket="race", Key=dst, CopySource={"Bucket": "race", "Key": "src"}, **extra
                )
            except ClientError as exc:
                failures.append(exc.response["Error"]["Code"])
                continue
            copies.append(dst)
        stop.set()
        assert all(w.result() > 0 for w in writers)
    assert failures == []
    for dst in copies:
        got = s3.get_object(Bucket="race", Key=dst)
        data = got["Body"].read()
        assert hashlib.md5(data).hexdigest() in digests
        assert got["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    server.stop()
    assert_store_clean(server.data_dir)
