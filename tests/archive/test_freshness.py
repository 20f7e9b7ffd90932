"""The tree changes under a running server: a modified file is served fresh (bytes, size,
ETag, its virtual Zarr), new and deleted files are noticed on read and by rescans
(`grenier admin archive rescan`, and the schedule)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import numpy as np
import pytest
import xarray as xr

from tests.archive.conftest import (
    BUCKET,
    grenier_cli,
    jsonl,
    start_archive_server,
    storage_options,
    wait_ready,
)
from tests.archive.tree import tas_year, walk_keys
from tests.servers import GrenierServer


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh") / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_bytes(b"first version\n")
    (root / "b.txt").write_bytes(b"bbb\n")
    ds, enc = tas_year(2010)
    ds.isel(time=slice(0, 146)).to_netcdf(
        root / "tas.nc", encoding=enc | {"time": {"chunksizes": (146,)}}
    )
    return root


@pytest.fixture(scope="module")
def server(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GrenierServer]:
    srv = start_archive_server(
        tmp_path_factory.mktemp("fresh-server") / "data", tree, "--archive-rescan-interval", "2s"
    )
    yield srv
    srv.stop()


def keys(s3: Any, prefix: str = "") -> list[str]:
    page = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [o["Key"] for o in page.get("Contents", [])]


def test_modified_file_is_served_fresh(server: GrenierServer, tree: Path) -> None:
    s3: Any = server.client()
    before = s3.head_object(Bucket=BUCKET, Key="sub/a.txt")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="sub/")["Contents"][0]
    assert listed["ETag"] == before["ETag"]
    path = tree / "sub" / "a.txt"
    path.write_bytes(b"second, longer version\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    got = s3.get_object(Bucket=BUCKET, Key="sub/a.txt")
    assert got["Body"].read() == b"second, longer version\n"
    assert got["ETag"] != before["ETag"]
    assert got["ContentLength"] == len(b"second, longer version\n")
    # the read brought the catalogue up to date: the listing agrees at once
    deadline = time.monotonic() + 10
    while True:
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="sub/")["Contents"][0]
        if listed["ETag"] == got["ETag"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert listed["ETag"] == got["ETag"] and listed["Size"] == got["ContentLength"]


def test_replaced_file_same_size_and_mtime_gets_a_new_etag(
    server: GrenierServer, tree: Path
) -> None:
    s3: Any = server.client()
    path = tree / "b.txt"
    old = s3.head_object(Bucket=BUCKET, Key="b.txt")
    st = path.stat()
    tmp = tree / ".b.tmp"
    tmp.write_bytes(b"BBB\n")  # same size
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, as rsync -t would
    os.replace(tmp, path)  # a new inode
    got = s3.get_object(Bucket=BUCKET, Key="b.txt")
    assert got["Body"].read() == b"BBB\n"
    assert got["ETag"] != old["ETag"]


def test_virtual_zarr_of_a_rewritten_file_is_rebuilt(server: GrenierServer, tree: Path) -> None:
    options = storage_options(server)
    first = xr.open_zarr(f"s3://{BUCKET}/tas.nc.zarr", storage_options=options).load()
    assert first.sizes["time"] == 146
    ds, enc = tas_year(2011)
    ds = ds.isel(time=slice(0, 219))
    ds["tas"] = ds["tas"] + 1000
    tmp = tree / ".tas.tmp"
    ds.to_netcdf(tmp, encoding=enc | {"time": {"chunksizes": (219,)}})
    os.replace(tmp, tree / "tas.nc")
    second = xr.open_zarr(f"s3://{BUCKET}/tas.nc.zarr", storage_options=options).load()
    with xr.open_dataset(tree / "tas.nc") as local:
        xr.testing.assert_identical(second, local.load())
    assert second.sizes["time"] == 219 and float(second.tas.min()) > 1000


def test_new_and_deleted_files_noticed_on_read(server: GrenierServer, tree: Path) -> None:
    s3: Any = server.client()
    (tree / "sub" / "new.txt").write_bytes(b"new\n")
    assert s3.get_object(Bucket=BUCKET, Key="sub/new.txt")["Body"].read() == b"new\n"
    (tree / "sub" / "new.txt").unlink()
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.get_object(Bucket=BUCKET, Key="sub/new.txt")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"


def test_rescan_with_the_cli(server: GrenierServer, tree: Path, tmp_path: Path) -> None:
    s3: Any = server.client()
    folder = tree / "later"
    folder.mkdir()
    for n in range(30):
        (folder / f"f{n:02d}.bin").write_bytes(bytes([n]) * n)
    done = grenier_cli(
        server, tmp_path, "admin", "archive", "rescan", "t", BUCKET, "--wait", "--json"
    )
    assert done.returncode == 0, done.stderr
    record = jsonl(done.stdout)[-1]
    assert record["state"] == "ready" and record["files"] == len(walk_keys(tree))
    assert keys(s3, "later/") == [f"later/f{n:02d}.bin" for n in range(30)]
    shutil.rmtree(folder)
    done = grenier_cli(server, tmp_path, "admin", "archive", "rescan", "t", BUCKET, "--wait")
    assert done.returncode == 0, done.stderr
    assert keys(s3, "later/") == []
    info = grenier_cli(server, tmp_path, "admin", "archive", "info", "t")
    assert info.returncode == 0 and f"{BUCKET}" in info.stdout and "ready" in info.stdout
    bad = grenier_cli(server, tmp_path, "admin", "archive", "rescan", "t", "no-such-archive")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1


def test_scheduled_rescan_picks_up_new_files(server: GrenierServer, tree: Path) -> None:
    """--archive-rescan-interval 2s: a file added without any read appears by itself."""
    s3: Any = server.client()
    (tree / "sub" / "scheduled.txt").write_bytes(b"s\n")
    deadline = time.monotonic() + 30
    while "sub/scheduled.txt" not in keys(s3, "sub/"):
        assert time.monotonic() < deadline, "the scheduled rescan did not run"
        time.sleep(0.2)
    assert wait_ready(server)["files"] >= 4


def test_catalogue_values_match_the_tree_after_rescan(
    server: GrenierServer, tree: Path, tmp_path: Path
) -> None:
    s3: Any = server.client()
    done = grenier_cli(server, tmp_path, "admin", "archive", "rescan", "t", BUCKET, "--wait")
    assert done.returncode == 0, done.stderr
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    expected = walk_keys(tree)
    assert [o["Key"] for o in listed] == list(expected)
    assert [o["Size"] for o in listed] == [p.stat().st_size for p in expected.values()]
    assert np.all([o["LastModified"].timestamp() > 0 for o in listed])
