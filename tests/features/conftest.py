"""Fixtures for the bucket-feature tests: the session server, plus a server whose
lifecycle sweeper runs every half second with one-second "days"."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.servers import GrenierServer


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GrenierServer]:
    server = GrenierServer.start(
        tmp_path_factory.mktemp("fast") / "data",
        "--lifecycle-interval",
        "0.5",
        env={"GRENIER_LIFECYCLE_DAY_SECONDS": "1"},
    )
    yield server
    server.stop()


@pytest.fixture
def vbucket(s3: Any) -> str:
    """A bucket with versioning enabled."""
    name = f"v-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    resp = exc.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def tmp_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
