"""pyarrow's S3FileSystem (the AWS C++ SDK underneath) against Grenier.

Parquet datasets written and read with pyarrow.dataset (hive partitions, filters), single
Parquet files, a multipart output stream, random-access reads, listings and deletes.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from tests.clients.tools import MIB, parts_of
from tests.servers import GrenierServer


@pytest.fixture
def fs(grenier: GrenierServer) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(
        endpoint_override=grenier.endpoint.split("://", 1)[1],
        scheme="http",
        access_key=grenier.access_key,
        secret_key=grenier.secret_key,
        region=grenier.region,
        allow_bucket_creation=True,
        allow_bucket_deletion=True,
    )


def table(rows: int = 6000) -> pa.Table:
    return pa.table(
        {
            "year": [2000 + i % 3 for i in range(rows)],
            "station": [f"st\u00e9 {i % 7}" for i in range(rows)],
            "tas": [float(i) / 10 for i in range(rows)],
            "i": list(range(rows)),
        }
    )


def test_parquet_dataset_roundtrip(fs: pafs.S3FileSystem, s3: Any, bucket: str) -> None:
    data = table()
    ds.write_dataset(
        data, f"{bucket}/obs", filesystem=fs, format="parquet",
        partitioning=["year"], partitioning_flavor="hive",
    )  # fmt: skip
    keys = sorted(c["Key"] for c in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert [k for k in keys if k.endswith(".parquet")] == [
        f"obs/year={y}/part-0.parquet" for y in (2000, 2001, 2002)
    ]

    dataset = ds.dataset(f"{bucket}/obs", filesystem=fs, format="parquet", partitioning="hive")
    back = dataset.to_table().sort_by("i")
    assert back.select(["i", "station", "tas"]).equals(data.select(["i", "station", "tas"]))
    assert back.column("year").to_pylist() == data.column("year").to_pylist()

    only = dataset.to_table(filter=ds.field("year") == 2001, columns=["i"])
    assert sorted(only.column("i").to_pylist()) == [i for i in range(6000) if i % 3 == 1]


def test_single_file_and_listing(fs: pafs.S3FileSystem, bucket: str) -> None:
    data = table(1000)
    pq.write_table(data, f"{bucket}/one/t é+%.parquet", filesystem=fs)
    assert pq.read_table(f"{bucket}/one/t é+%.parquet", filesystem=fs).equals(data)

    info = fs.get_file_info(f"{bucket}/one/t é+%.parquet")
    assert info.type == pafs.FileType.File
    assert info.size > 0
    assert fs.get_file_info(f"{bucket}/one").type == pafs.FileType.Directory
    assert fs.get_file_info(f"{bucket}/nope").type == pafs.FileType.NotFound
    listed = fs.get_file_info(pafs.FileSelector(bucket, recursive=True))
    assert {(i.path, i.type) for i in listed} == {
        (f"{bucket}/one", pafs.FileType.Directory),
        (f"{bucket}/one/t é+%.parquet", pafs.FileType.File),
    }

    fs.move(f"{bucket}/one/t é+%.parquet", f"{bucket}/two/moved.parquet")
    assert pq.read_table(f"{bucket}/two/moved.parquet", filesystem=fs).equals(data)
    fs.delete_file(f"{bucket}/two/moved.parquet")
    assert fs.get_file_info(f"{bucket}/two/moved.parquet").type == pafs.FileType.NotFound


def test_multipart_stream_and_random_access(fs: pafs.S3FileSystem, s3: Any, bucket: str) -> None:
    data = os.urandom(12 * MIB + 11)
    with fs.open_output_stream(f"{bucket}/big.bin") as out:
        for start in range(0, len(data), MIB):
            out.write(data[start : start + MIB])
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert parts_of(head["ETag"]) > 1  # pyarrow uploads 5 MiB+ parts as it goes
    with fs.open_input_file(f"{bucket}/big.bin") as f:
        assert f.size() == len(data)
        assert f.read_at(100, 5 * MIB - 7) == data[5 * MIB - 7 : 5 * MIB + 93]
        f.seek(len(data) - 10)
        assert f.read() == data[-10:]
    with fs.open_input_stream(f"{bucket}/big.bin") as f:
        assert f.read() == data


def test_create_and_delete_bucket(fs: pafs.S3FileSystem, s3: Any) -> None:
    name = f"arrow-{uuid.uuid4().hex[:12]}"
    fs.create_dir(name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    pq.write_table(table(10), f"{name}/x.parquet", filesystem=fs)
    fs.delete_dir_contents(name)
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    fs.delete_dir(name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
