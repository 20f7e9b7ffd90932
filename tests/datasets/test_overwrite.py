"""Overwrite safety: readers never get a mix of generations presented as one dataset."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import xarray as xr

from grenier.datasets import (
    DatasetChangedError,
    open_dataset,
    storage_options,
    write_dataset,
)
from grenier.datasets.store import TAG
from tests.datasets.conftest import Place, cf_dataset


def test_reader_of_old_generation_keeps_old_data_then_gets_clear_error(place: Place) -> None:
    ds = cf_dataset(periods=30)
    target = place.path("safe.zarr")
    write_dataset(ds, target, chunks={"time": 10})
    first = open_dataset(target)  # metadata of generation 1 read, chunks not yet
    write_dataset(ds + 1, target, mode="overwrite", chunks={"time": 10})
    xr.testing.assert_identical(first.tas.compute(), ds.tas)  # still consistent old data
    second = open_dataset(target)
    np.testing.assert_array_equal(second.tas.values, (ds + 1).tas.values)
    write_dataset(ds + 2, target, mode="overwrite", chunks={"time": 10})
    with pytest.raises(DatasetChangedError, match="overwritten after it was opened"):
        first.tas.compute()  # generation 1 is gone: an error, never fill values or new data
    np.testing.assert_array_equal(second.tas.values, (ds + 1).tas.values)
    np.testing.assert_array_equal(open_dataset(target).tas.values, (ds + 2).tas.values)


def test_generations_use_distinct_chunk_keys_and_tags(place: Place) -> None:
    ds = cf_dataset(periods=20)
    target = place.path("gens.zarr")
    one = write_dataset(ds, target, chunks={"time": 10})
    keys_one = {k for k in place.keys("gens.zarr/tas/") if not k.endswith("zarr.json")}
    two = write_dataset(ds * 2, target, mode="overwrite", chunks={"time": 10})
    keys_all = {k for k in place.keys("gens.zarr/tas/") if not k.endswith("zarr.json")}
    keys_two = keys_all - keys_one
    assert keys_one and len(keys_two) == len(keys_one) and keys_one <= keys_all
    client = place.server.client()
    head = client.head_object(Bucket=place.bucket, Key=sorted(keys_two)[0])  # type: ignore[attr-defined]
    assert head["Metadata"][TAG] == two.generation != one.generation
    write_dataset(ds, target, mode="overwrite", chunks={"time": 10}, keep_previous=False)
    left = {k for k in place.keys("gens.zarr/tas/") if not k.endswith("zarr.json")}
    assert left == keys_one  # third generation reuses the first spelling; the second is gone


def test_crash_mid_write_leaves_previous_generation(place: Place) -> None:
    ds = cf_dataset(periods=30)
    target = place.path("crash.zarr")
    write_dataset(ds, target, chunks={"time": 10})

    def explode(block: np.ndarray, block_info: dict | None = None) -> np.ndarray:
        if block_info and block_info[0]["chunk-location"][0] == 2:
            raise RuntimeError("worker died")
        return block

    broken = ds.copy()
    broken["tas"] = (
        ds.tas.dims,
        da.from_array(ds.tas.values, chunks=(10, 6, 8)).map_blocks(explode, dtype="float32"),
        ds.tas.attrs,
    )
    with pytest.raises(RuntimeError, match="worker died"):
        write_dataset(broken + 5, target, mode="overwrite", chunks={"time": 10})
    xr.testing.assert_identical(open_dataset(target).compute(), ds)
    write_dataset(ds + 3, target, mode="overwrite", chunks={"time": 10})  # debris collected
    np.testing.assert_array_equal(open_dataset(target).tas.values, (ds + 3).tas.values)


@pytest.mark.parametrize("zarr_format", [3, 2])
def test_plain_xarray_reads_the_documented_path(place: Place, zarr_format: int) -> None:
    ds = cf_dataset()
    target = place.path("plain.zarr")
    write_dataset(ds, target, zarr_format=zarr_format)
    write_dataset(ds * 2, target, mode="overwrite", zarr_format=zarr_format)
    plain = xr.open_zarr(
        f"s3://{place.bucket}/plain.zarr", storage_options=storage_options(place.alias)
    )
    plain.attrs.pop("grenier_generation")
    xr.testing.assert_identical(plain.compute(), ds * 2)


def test_switching_zarr_format_on_overwrite(place: Place) -> None:
    ds = cf_dataset()
    target = place.path("switch.zarr")
    write_dataset(ds, target, zarr_format=3)
    write_dataset(ds + 1, target, mode="overwrite", zarr_format=2)
    assert "switch.zarr/zarr.json" not in place.keys("switch.zarr/")
    xr.testing.assert_identical(open_dataset(target).compute(), ds + 1)
    write_dataset(ds + 2, target, mode="overwrite", zarr_format=3)
    xr.testing.assert_identical(open_dataset(target).compute(), ds + 2)
