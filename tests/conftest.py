"""Shared fixtures: a real Grenier server and a moto server, each a subprocess."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import GrenierServer, MotoServer, S3Endpoint


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grenier fault suite")
    group.addoption(
        "--fuzz-requests",
        type=int,
        default=int(os.environ.get("GRENIER_FUZZ_REQUESTS", "2500")),
        help="requests sent by the seeded fuzz loop (tests/fault/test_fuzz.py)",
    )
    group.addoption(
        "--fuzz-seed",
        type=int,
        default=int(os.environ.get("GRENIER_FUZZ_SEED", "12")),
        help="seed of the fuzz loop (a failure report names the seed to replay)",
    )


@pytest.fixture(scope="session")
def grenier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GrenierServer]:
    """One Grenier server for the whole session (tests use their own buckets)."""
    server = GrenierServer.start(tmp_path_factory.mktemp("grenier") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = MotoServer.start()
    yield server
    server.stop()


@pytest.fixture(params=["grenier", "moto"])
def any_s3(request: pytest.FixtureRequest) -> S3Endpoint:
    """Run a test against Grenier and against moto (plain S3)."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def s3(grenier: GrenierServer):  # noqa: ANN201 - botocore client type
    return grenier.client()


@pytest.fixture
def bucket(s3) -> str:  # noqa: ANN001
    name = f"t-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
