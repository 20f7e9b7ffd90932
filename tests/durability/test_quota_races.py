"""Quota races with bodies that each fit (issue 12, "strengthen the proofs").

Every body here passes the early check (its declared size fits the room left when it
starts), streams to a data file, and only the engine's transaction can refuse it; the
quota must hold exactly and every refused body must leave nothing behind.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from grenier.client.admin_api import AdminApi
from grenier.client.config import Alias
from tests.durability.audit import assert_store_clean
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
QUOTA_CODE = "XMinioAdminBucketQuotaExceeded"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GrenierServer]:
    srv = GrenierServer.start(tmp_path / "data", "--workers", "2")
    yield srv
    srv.stop()


def set_quota(server: GrenierServer, bucket: str, size: int) -> None:
    alias = Alias("t", server.endpoint, server.access_key, server.secret_key)
    AdminApi(alias).set_quota(bucket, size)


def race(calls: list[Any]) -> list[str]:
    """Run the calls at once; each one's outcome: "ok" or its error code."""

    def one(call: Any) -> str:
        try:
            call()
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        return "ok"

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_racing_file_bodies_that_each_fit(server: GrenierServer) -> None:
    s3 = server.client(max_pool_connections=16)
    s3.create_bucket(Bucket="quota")
    set_quota(server, "quota", 4 * MIB + 100)
    bodies = [os.urandom(MIB + i) for i in range(12)]
    outcomes = race(
        [lambda i=i: s3.put_object(Bucket="quota", Key=f"k{i}", Body=bodies[i]) for i in range(12)]
    )
    assert outcomes.count("ok") == 4 and set(outcomes) == {"ok", QUOTA_CODE}
    for i, outcome in enumerate(outcomes):
        if outcome == "ok":
            assert s3.get_object(Bucket="quota", Key=f"k{i}")["Body"].read() == bodies[i]
    # Multipart parts race the same way (they count from the moment they are stored).
    s3.create_bucket(Bucket="parts")
    set_quota(server, "parts", 3 * MIB + 100)
    up = s3.create_multipart_upload(Bucket="parts", Key="mp")["UploadId"]
    outcomes = race(
        [
            lambda n=n: s3.upload_part(
                Bucket="parts", Key="mp", UploadId=up, PartNumber=n, Body=os.urandom(MIB)
            )
            for n in range(1, 9)
        ]
    )
    assert outcomes.count("ok") == 3 and set(outcomes) == {"ok", QUOTA_CODE}
    assert len(s3.list_parts(Bucket="parts", Key="mp", UploadId=up)["Parts"]) == 3
    server.stop()
    assert_store_clean(server.data_dir)
