"""Virtual Zarr over the archive's netCDF files: ``xr.open_zarr("s3://arch/X.nc.zarr")`` and
``grenier.datasets.open_dataset`` read the values, attributes and calendar that
``xr.open_dataset(X.nc)`` reads; an aggregation equals ``xr.open_mfdataset``; what cannot
be served is answered clearly."""

from __future__ import annotations

import json
import uuid
import warnings
from pathlib import Path
from typing import Any

import botocore.exceptions
import numpy as np
import pytest
import xarray as xr

import grenier.datasets
from tests.archive.conftest import BUCKET, storage_options
from tests.archive.tree import walk_keys
from tests.servers import GrenierServer

UNSUPPORTED = {"unsupported/lzf.nc"}


def netcdf_keys(root: Path) -> list[str]:
    keys = [k for k in walk_keys(root) if k.endswith(".nc") and k not in UNSUPPORTED]
    assert len(keys) > 20  # generated files and the iris sample files
    return keys


def open_local(path: Path) -> xr.Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xr.open_dataset(path).load()


def test_every_netcdf_file_reads_the_same_through_virtual_zarr(
    archive_server: GrenierServer, archive_root: Path
) -> None:
    options = storage_options(archive_server)
    for key in netcdf_keys(archive_root):
        local = open_local(archive_root / key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            remote = xr.open_zarr(f"s3://{BUCKET}/{key}.zarr", storage_options=options).load()
        xr.testing.assert_identical(remote, local)
        for name, var in local.variables.items():  # calendar and units survive decoding
            assert remote[name].encoding.get("calendar") == var.encoding.get("calendar"), key
            assert remote[name].encoding.get("units") == var.encoding.get("units"), key


def test_grenier_open_dataset_reads_the_same(
    archive_server: GrenierServer, archive_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alias = f"a{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(f"GRENIER_HOST_{alias}", archive_server.env_host())
    for key in [
        "cmip/day/tas_day_2002.nc",
        "legacy/classic.nc",
        "obs/station/pr_1h.nc",
        "iris/E1_north_america.nc",
    ]:
        ds = grenier.datasets.open_dataset(f"{alias}/{BUCKET}/{key}.zarr")
        biggest = max(ds.data_vars.values(), key=lambda v: v.ndim)
        assert biggest.chunks is not None  # lazy: dask over the chunks
        xr.testing.assert_identical(ds.load(), open_local(archive_root / key))


def test_store_keys_and_documents(s3: Any, archive_root: Path) -> None:
    base = "cmip/day/tas_day_2000.nc.zarr/"
    page = s3.list_objects_v2(Bucket=BUCKET, Prefix=base, Delimiter="/")
    assert [o["Key"] for o in page["Contents"]] == [
        base + ".zattrs",
        base + ".zgroup",
        base + ".zmetadata",
    ]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == [
        base + v + "/" for v in ["crs", "lat", "lat_bnds", "lon", "tas", "time"]
    ]
    meta = json.loads(s3.get_object(Bucket=BUCKET, Key=base + ".zmetadata")["Body"].read())
    tas = meta["metadata"]["tas/.zarray"]
    assert tas["chunks"] == [73, 18, 24]
    assert [f["id"] for f in tas["filters"]] == ["shuffle", "zlib"]  # served as stored
    chunks, _ = [], None
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=base + "tas/", PaginationConfig={"PageSize": 7}
    )
    chunks = [o for page in pages for o in page.get("Contents", [])]
    names = [o["Key"][len(base) + 4 :] for o in chunks]
    assert names[:2] == [".zarray", ".zattrs"]
    assert len(names) == 2 + 5 * 2 * 2
    # a chunk is a byte range of the file: compressed bytes as stored, with a stable ETag
    first = next(o for o in chunks if o["Key"].endswith("/0.0.0"))
    body = s3.get_object(Bucket=BUCKET, Key=first["Key"])
    data = body["Body"].read()
    assert (
        len(data) == first["Size"]
        and data in (archive_root / "cmip/day/tas_day_2000.nc").read_bytes()
    )
    assert body["ETag"] == first["ETag"] and body["ETag"].strip('"').endswith("-1")
    ranged = s3.get_object(Bucket=BUCKET, Key=first["Key"], Range="bytes=10-19")["Body"].read()
    assert ranged == data[10:20]
    head = s3.head_object(Bucket=BUCKET, Key=base + ".zmetadata")
    assert head["ContentType"] == "application/json"


def test_netcdf3_record_variables_are_chunks_of_one_record(s3: Any) -> None:
    meta = json.loads(
        s3.get_object(Bucket=BUCKET, Key="legacy/classic.nc.zarr/.zmetadata")["Body"].read()
    )["metadata"]
    assert meta["sst/.zarray"]["chunks"] == [1, 4, 6]
    assert meta["sst/.zarray"]["dtype"] == ">f8"
    assert meta["sst/.zattrs"]["missing_value"] == -999.0  # typed, not a string
    assert meta[".zattrs"]["version"] == 3


@pytest.mark.parametrize(
    "key",
    [
        "notnc.txt.zarr/.zmetadata",
        "cmip/day/tas_day_2000.nc.zarr/nope/.zarray",
        "cmip/day/tas_day_2000.nc.zarr/tas/9.9.9",
        "cmip/day/tas_day_1999.nc.zarr/.zmetadata",
        "cmip/day/tas_day_2000.nc.zarr",
        "cmip/day/tas_day_2000.nc.zarr/",
    ],
)
def test_not_virtual_keys_are_no_such_key(s3: Any, key: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.get_object(Bucket=BUCKET, Key=key)
    assert err.value.response["Error"]["Code"] == "NoSuchKey"


def test_unsupported_codec_is_answered_clearly(s3: Any) -> None:
    for key in ["unsupported/lzf.nc.zarr/.zmetadata", "unsupported/lzf.nc.zarr/tas/0.0.0"]:
        with pytest.raises(botocore.exceptions.ClientError) as err:
            s3.get_object(Bucket=BUCKET, Key=key)
        error = err.value.response["Error"]
        assert error["Code"] == "NotImplemented"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert "lzf" in error["Message"] and "zlib" in error["Message"]
    # the file itself is still served
    assert s3.head_object(Bucket=BUCKET, Key="unsupported/lzf.nc")["ContentLength"] > 0


def test_aggregation_equals_open_mfdataset(
    archive_server: GrenierServer, archive_root: Path
) -> None:
    files = sorted((archive_root / "cmip" / "day").glob("tas_day_*.nc"))
    assert len(files) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = xr.open_mfdataset(
            files, combine="by_coords", data_vars="minimal", coords="minimal", compat="override"
        ).load()
        remote = xr.open_zarr(
            f"s3://{BUCKET}/cmip/tas_day.zarr", storage_options=storage_options(archive_server)
        )
    assert remote.sizes["time"] == 3 * 365
    assert remote["tas"].chunks[0] == (73,) * 15  # the files' own chunks, joined
    xr.testing.assert_identical(remote.load(), expected)
    assert np.isnan(remote["tas"].values[0, 0, :3]).all()
    assert str(remote.time.values[-1]) == "2002-12-31 00:00:00"


def test_aggregation_with_different_units_is_refused(s3: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.get_object(Bucket=BUCKET, Key="mixed/units.zarr/.zmetadata")
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "units" in err.value.response["Error"]["Message"]


def test_aggregation_listing(s3: Any) -> None:
    page = s3.list_objects_v2(Bucket=BUCKET, Prefix="cmip/tas_day.zarr/time/")
    assert [o["Key"] for o in page["Contents"]][:2] == [
        "cmip/tas_day.zarr/time/.zarray",
        "cmip/tas_day.zarr/time/.zattrs",
    ]
    top = s3.list_objects_v2(Bucket=BUCKET, Prefix="cmip/", Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["cmip/day/"]  # not listed above
