"""A full disk (issue 12, item 7), on a small tmpfs the test mounts (CI runs as root).

Writes answer 507 InsufficientStorage in S3 XML; deletes and metadata updates keep
working (the engine's reserve is released for them); SIGTERM stops cleanly and the
server starts again on the full disk; once space is freed, writes work again and the
reserve is back in place. The store audit passes at the end.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.durability.audit import assert_store_clean
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
RESERVE = 4 * MIB
ENV = {"GRENIER_DISK_RESERVE": str(RESERVE)}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs: run it as root (CI does)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def code_of(exc: ClientError) -> tuple[str, int]:
    return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]


def fill_with_objects(s3: Any, prefix: str, size: int, limit: int = 80) -> list[str]:
    """PUT objects until the server refuses one (507); the keys stored."""
    stored = []
    for i in range(limit):
        try:
            s3.put_object(Bucket="full", Key=f"{prefix}{i}", Body=os.urandom(size))
        except ClientError as exc:
            assert code_of(exc) == ("InsufficientStorage", 507)
            return stored
        stored.append(f"{prefix}{i}")
    raise AssertionError(f"{limit} objects of {size} bytes fitted on a 40 MiB disk")


def fill_disk(mount: Path) -> Path:
    """Take every byte left on the filesystem (from outside the server)."""
    filler = mount / "filler-from-outside"
    with open(filler, "ab", buffering=0) as fh:  # unbuffered: nothing left to flush
        for block in (65536, 4096, 1):
            try:
                while fh.write(b"\0" * block):
                    pass
            except OSError:
                continue
    return filler


def refused_put(s3: Any, key: str, size: int) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="full", Key=key, Body=os.urandom(size))
    assert code_of(exc.value) == ("InsufficientStorage", 507)


def test_full_disk(small_disk: Path) -> None:
    data_dir = small_disk  # DATA_DIR is the whole small disk (the server log stays outside)
    server = GrenierServer.start(data_dir, "--workers", "1", env=ENV)
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="full")
        s3.put_object(Bucket="full", Key="keep", Body=b"keep me")
        assert (data_dir / "reserve").stat().st_size == RESERVE
        big = fill_with_objects(s3, "big-", MIB)
        assert len(big) > 10
        filler = fill_disk(small_disk)  # now 100% full, beside the reserve
        refused_put(s3, "small", 1000)  # an inline body: the index has no room either
        # Metadata updates and deletes work on the full disk.
        s3.put_object_tagging(
            Bucket="full", Key="keep", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
        )
        s3.delete_object(Bucket="full", Key=big.pop())
        assert s3.get_object_tagging(Bucket="full", Key="keep")["TagSet"] == [
            {"Key": "k", "Value": "v"}
        ]
        refused_put(s3, "small", 1000)  # still too little room to lay the reserve back
        # A clean stop and a start on the full disk (reserve already used).
        fill_disk(small_disk)
        assert server.stop() == 0
        server.launch(env=ENV)
        s3 = server.client()
        assert s3.get_object(Bucket="full", Key="keep")["Body"].read() == b"keep me"
        s3.delete_objects(
            Bucket="full", Delete={"Objects": [{"Key": k} for k in big[: len(big) // 2]]}
        )
        filler.unlink()
        # Room again: the next write lays the reserve back down and succeeds.
        s3.put_object(Bucket="full", Key="after", Body=os.urandom(MIB))
        assert (data_dir / "reserve").stat().st_size == RESERVE
        # Full again, reserve in place: a stop, and a start that needs the reserve's room
        # to open its databases (iam.db's WAL switch used to fail here).
        filler = fill_disk(small_disk)
        assert server.stop() == 0
        server.launch(env=ENV)
        assert not (data_dir / "reserve").exists()
        s3 = server.client()
        assert s3.get_object(Bucket="full", Key="keep")["Body"].read() == b"keep me"
        s3.delete_object(Bucket="full", Key="after")
        filler.unlink()
        assert server.stop() == 0
        assert "Traceback" not in server.log()
        assert_store_clean(data_dir)
    finally:
        server.stop()
