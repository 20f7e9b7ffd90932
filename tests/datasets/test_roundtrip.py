"""Write/read round trips of CF datasets against Grenier and moto: values, dtypes, attributes,
encodings; append along time; region writes; Zarr v2 and v3; encoding pass-through."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from zarr.codecs import BloscCodec

from grenier.datasets import open_dataset, write_dataset
from grenier.datasets.write import DatasetExistsError, DatasetNotFoundError
from tests.datasets.conftest import Place, cf_dataset

CF_ENCODING_KEYS = ("dtype", "_FillValue", "units", "calendar")


def assert_same(back: xr.Dataset, ds: xr.Dataset) -> None:
    xr.testing.assert_identical(back.compute(), ds)
    for name, var in ds.variables.items():
        assert back[name].dtype == var.dtype, name
        for key in CF_ENCODING_KEYS:
            if key in var.encoding:
                got, want = back[name].encoding.get(key), var.encoding[key]
                assert got == want or (np.isnan(got) and np.isnan(want)), (name, key, got, want)


@pytest.mark.parametrize("zarr_format", [3, 2])
@pytest.mark.parametrize("calendar", ["noleap", "360_day", "standard"])
def test_round_trip_cf(place: Place, zarr_format: int, calendar: str) -> None:
    ds = cf_dataset(calendar)
    write_dataset(ds, place.path("cf.zarr"), chunks={"time": 10}, zarr_format=zarr_format)
    back = open_dataset(place.path("cf.zarr"))
    assert_same(back, ds)
    assert back.tas.chunks == ((10, 10, 4), (6,), (8,))
    assert back.time.encoding["calendar"] == calendar
    assert int(back.tas.isnull().sum()) == 3
    root = "cf.zarr/zarr.json" if zarr_format == 3 else "cf.zarr/.zmetadata"
    assert root in place.keys("cf.zarr/")


def test_append_along_time(place: Place) -> None:
    full = cf_dataset("noleap", periods=30)
    target = place.path("append.zarr")
    write_dataset(full.isel(time=slice(0, 18)), target, chunks={"time": 8})
    write_dataset(full.isel(time=slice(18, 30)), target, mode="append", append_dim="time")
    back = open_dataset(target)
    assert back.sizes["time"] == 30
    assert_same(back, full)


def test_region_write(place: Place) -> None:
    ds = cf_dataset("360_day", periods=20)
    target = place.path("region.zarr")
    write_dataset(ds, target, chunks={"time": 5})
    patch = ds.isel(time=slice(5, 15)).copy(deep=True)
    patch["tas"] = patch.tas + 100
    write_dataset(patch, target, mode="region", region={"time": slice(5, 15)})
    back = open_dataset(target).load()
    np.testing.assert_array_equal(back.tas[5:15].values, patch.tas.values)
    np.testing.assert_array_equal(back.tas[:5].values, ds.tas[:5].values)
    np.testing.assert_array_equal(back.tas[15:].values, ds.tas[15:].values)
    xr.testing.assert_identical(back.pr, ds.pr)
    write_dataset(ds.isel(time=slice(5, 15)), target, mode="region")  # region="auto"
    xr.testing.assert_identical(open_dataset(target).load(), ds)


def test_dask_backed_dataset(place: Place) -> None:
    ds = cf_dataset(periods=40).chunk({"time": 7})
    write_dataset(ds, place.path("dask.zarr"), chunks={"time": 16}, progress=True)
    back = open_dataset(place.path("dask.zarr"))
    assert back.tas.chunks[0] == (16, 16, 8)
    xr.testing.assert_identical(back.load(), ds.load())


def test_encoding_pass_through(place: Place) -> None:
    ds = cf_dataset()
    codec = BloscCodec(cname="lz4", clevel=5, shuffle="bitshuffle")
    write_dataset(ds, place.path("enc.zarr"), encoding={"tas": {"compressors": [codec]}})
    back = open_dataset(place.path("enc.zarr"))
    compressors = back.tas.encoding["compressors"]
    assert compressors[0].cname.value == "lz4" and compressors[0].clevel == 5
    xr.testing.assert_identical(back.load(), ds)


def test_modes_refuse_what_they_cannot_do(place: Place) -> None:
    ds = cf_dataset()
    with pytest.raises(DatasetNotFoundError):
        write_dataset(ds, place.path("none.zarr"), mode="append")
    write_dataset(ds, place.path("once.zarr"))
    with pytest.raises(DatasetExistsError):
        write_dataset(ds, place.path("once.zarr"))
    with pytest.raises(ValueError, match="unknown mode"):
        write_dataset(ds, place.path("once.zarr"), mode="bogus")  # type: ignore[arg-type]
    xr.testing.assert_identical(open_dataset(place.path("once.zarr")).load(), ds)


def test_memory_and_disk_chunk_cache(place: Place, tmp_path) -> None:  # noqa: ANN001
    ds = cf_dataset()
    write_dataset(ds, place.path("cache.zarr"), chunks={"time": 6})
    for cache in ("memory", "disk"):
        back = open_dataset(place.path("cache.zarr"), cache=cache, cache_dir=str(tmp_path / "c"))
        xr.testing.assert_identical(back.load(), ds)
        xr.testing.assert_identical(back.load(), ds)
    assert any((tmp_path / "c").rglob("*")), "disk cache holds chunks"
