"""s3fs/fsspec driven the way xarray/zarr users drive it: put/get, ls/find, rm, ranged
reads through file objects, and a multipart upload from a buffered writer."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
import s3fs

from tests.s3.helpers import MIB, multipart_etag, unique
from tests.servers import S3Endpoint


def make_fs(endpoint: S3Endpoint) -> s3fs.S3FileSystem:
    return s3fs.S3FileSystem(
        key=endpoint.access_key,
        secret=endpoint.secret_key,
        endpoint_url=endpoint.endpoint,
        client_kwargs={"region_name": endpoint.region},
        skip_instance_cache=True,
        use_listings_cache=False,
    )


@pytest.fixture
def fs_bucket(any_s3: S3Endpoint) -> tuple[s3fs.S3FileSystem, str]:
    fs = make_fs(any_s3)
    bucket = unique("fs")
    # Created with boto3: s3fs.mkdir sends LocationConstraint=us-east-1, which AWS (and moto)
    # reject as InvalidLocationConstraint.
    any_s3.client().create_bucket(Bucket=bucket)
    return fs, bucket


def test_pipe_cat_put_get(fs_bucket: tuple[s3fs.S3FileSystem, str], tmp_path: Path) -> None:
    fs, bucket = fs_bucket
    data = os.urandom(300_000)
    fs.pipe(f"{bucket}/piped.bin", data)
    assert fs.cat(f"{bucket}/piped.bin") == data
    local = tmp_path / "local.bin"
    local.write_bytes(data[::-1])
    fs.put(str(local), f"{bucket}/dir/put.bin")
    out = tmp_path / "out.bin"
    fs.get(f"{bucket}/dir/put.bin", str(out))
    assert out.read_bytes() == data[::-1]
    info = fs.info(f"{bucket}/dir/put.bin")
    assert info["size"] == len(data)
    assert info["type"] == "file"


def test_ls_find_rm(fs_bucket: tuple[s3fs.S3FileSystem, str]) -> None:
    fs, bucket = fs_bucket
    keys = ["store.zarr/.zgroup", "store.zarr/tas/.zarray", "store.zarr/tas/0.0", "other.nc"]
    for key in keys:
        fs.pipe(f"{bucket}/{key}", key.encode())
    assert sorted(fs.ls(bucket, detail=False)) == [f"{bucket}/other.nc", f"{bucket}/store.zarr"]
    assert sorted(fs.ls(f"{bucket}/store.zarr/tas", detail=False)) == [
        f"{bucket}/store.zarr/tas/.zarray",
        f"{bucket}/store.zarr/tas/0.0",
    ]
    assert sorted(fs.find(bucket)) == sorted(f"{bucket}/{k}" for k in keys)
    assert fs.isdir(f"{bucket}/store.zarr")
    assert fs.exists(f"{bucket}/store.zarr/tas/0.0")
    assert not fs.exists(f"{bucket}/store.zarr/nope")
    fs.rm(f"{bucket}/store.zarr", recursive=True)
    assert fs.find(bucket) == [f"{bucket}/other.nc"]
    fs.rm(f"{bucket}/other.nc")
    assert fs.find(bucket) == []


def test_ranged_reads(fs_bucket: tuple[s3fs.S3FileSystem, str]) -> None:
    fs, bucket = fs_bucket
    data = os.urandom(1_000_000)
    fs.pipe(f"{bucket}/ranged", data)
    assert fs.cat_file(f"{bucket}/ranged", start=10, end=20) == data[10:20]
    assert fs.cat_file(f"{bucket}/ranged", start=-100) == data[-100:]
    with fs.open(f"{bucket}/ranged", "rb", block_size=64 * 1024) as f:
        f.seek(500_000)
        assert f.read(1000) == data[500_000:501_000]
        f.seek(-10, 2)
        assert f.read() == data[-10:]
        f.seek(0)
        assert f.read(5) == data[:5]
    ranges = fs.cat_ranges([f"{bucket}/ranged"] * 2, [0, 999_990], [3, 1_000_000])
    assert ranges == [data[:3], data[999_990:]]


def test_multipart_upload_through_s3fs(any_s3: S3Endpoint) -> None:
    fs = make_fs(any_s3)
    bucket = unique("fs")
    any_s3.client().create_bucket(Bucket=bucket)
    block = 5 * MIB
    chunks = [os.urandom(block), os.urandom(block), os.urandom(MIB)]
    with fs.open(f"{bucket}/big.bin", "wb", block_size=block) as f:
        for chunk in chunks:
            f.write(chunk)
    whole = b"".join(chunks)
    got = fs.cat(f"{bucket}/big.bin")
    assert hashlib.sha256(got).digest() == hashlib.sha256(whole).digest()
    s3: Any = any_s3.client()
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(whole)
    assert head["ETag"] == multipart_etag(chunks)
