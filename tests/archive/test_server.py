"""Starting a server with archives: bad flags are one clear line and a non-zero exit; an
archive exists while the server is started with it; without the ``archive`` extra, files
are still served and virtual Zarr says which extra to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.archive.conftest import BUCKET, start_archive_server, wait_ready
from tests.servers import GrenierServer, free_port


def start_fails(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GRENIER_ROOT_USER="root-user", GRENIER_ROOT_PASSWORD="root-password-123")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(data_dir),
            "--address",
            f"127.0.0.1:{free_port()}",
            "--console-address",
            "off",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ("Bad_Name={tree}", "not a valid bucket name"),
        ("arch={tree}/missing", "not a directory"),
        ("arch", "NAME=PATH"),
    ],
)
def test_bad_archive_flags(tmp_path: Path, spec: str, message: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    done = start_fails(tmp_path / "data", "--archive", spec.format(tree=tree))
    assert done.returncode != 0
    assert message in done.stderr
    assert done.stderr.strip().splitlines()[-1].count("\n") == 0


def test_archive_lives_while_configured(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "x").mkdir(parents=True)
    (tree / "x" / "one.txt").write_bytes(b"1")
    other = tmp_path / "other"
    other.mkdir()
    (other / "two.txt").write_bytes(b"2")
    data = tmp_path / "data"
    server = start_archive_server(data, tree)
    s3: Any = server.client()
    s3.create_bucket(Bucket="plain")
    s3.put_object(Bucket="plain", Key="k", Body=b"kept")
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    server.stop()

    clash = start_fails(data, "--archive", f"plain={tree}")
    assert clash.returncode != 0 and "plain exists and is not an archive" in clash.stderr

    server = GrenierServer.start(data)  # no --archive: the archive bucket is gone
    s3 = server.client()
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["plain"]
    assert s3.get_object(Bucket="plain", Key="k")["Body"].read() == b"kept"
    server.stop()

    server = start_archive_server(data, other)  # back, pointing elsewhere
    s3 = server.client()
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["two.txt"]
    server.stop()
    server = start_archive_server(data, tree)  # re-pointed: the old catalogue is gone
    s3 = server.client()
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["x/one.txt"]
    server.stop()


def test_without_the_archive_extra(tmp_path: Path, archive_root: Path) -> None:
    """A kerchunk that cannot be imported (as when the extra is not installed): the server
    starts, warns, serves the files, and answers virtual Zarr with the extra to install."""
    shadow = tmp_path / "shadow" / "kerchunk"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named kerchunk')\n")
    path = os.pathsep.join([str(tmp_path / "shadow"), os.environ.get("PYTHONPATH", "")])
    server = start_archive_server(tmp_path / "data", archive_root, env={"PYTHONPATH": path})
    try:
        s3: Any = server.client()
        key = "cmip/day/tas_day_2000.nc"
        assert (
            s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            == (archive_root / key).read_bytes()
        )
        with pytest.raises(botocore.exceptions.ClientError) as err:
            s3.get_object(Bucket=BUCKET, Key=key + ".zarr/.zmetadata")
        assert err.value.response["Error"]["Code"] == "NotImplemented"
        assert "pip install 'grenier[archive]'" in err.value.response["Error"]["Message"]
        with pytest.raises(botocore.exceptions.ClientError) as err:
            s3.list_objects_v2(Bucket=BUCKET, Prefix=key + ".zarr/")
        assert "grenier[archive]" in err.value.response["Error"]["Message"]
        assert wait_ready(server)["files"] > 100
    finally:
        server.stop()
    assert "pip install 'grenier[archive]'" in server.log()
