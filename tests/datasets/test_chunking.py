"""Default chunking for time-series grids (pure: lazy arrays, nothing written)."""

from __future__ import annotations

import dask.array as da
import pandas as pd
import pytest
import xarray as xr

from grenier.datasets.chunking import TARGET_BYTES, default_chunks, parse_chunks


def grid(ntime: int, nlat: int, nlon: int) -> xr.Dataset:
    data = da.zeros((ntime, nlat, nlon), dtype="float32", chunks=-1)
    return xr.Dataset(
        {"tas": (("time", "lat", "lon"), data)},
        coords={"time": pd.date_range("1950-01-01", periods=ntime, freq="D")},
    )


def test_century_of_daily_one_degree_keeps_maps_whole() -> None:
    chunks = default_chunks(grid(36500, 180, 360))
    assert chunks["lat"] == 180 and chunks["lon"] == 360
    assert 32 <= chunks["time"] < 36500
    assert chunks["time"] * 180 * 360 * 4 <= TARGET_BYTES


def test_high_resolution_grid_splits_space_but_keeps_time_series() -> None:
    chunks = default_chunks(grid(8760, 721, 1440))
    assert chunks["lat"] < 721 and chunks["lon"] < 1440
    assert chunks["time"] >= 32
    assert chunks["time"] * chunks["lat"] * chunks["lon"] * 4 <= TARGET_BYTES


def test_small_dataset_is_one_chunk() -> None:
    assert default_chunks(grid(240, 37, 49)) == {"time": 240, "lat": 37, "lon": 49}


def test_parse_chunks() -> None:
    assert parse_chunks("time=365, lat=90") == {"time": 365, "lat": 90}
    assert parse_chunks("time=-1") == {"time": -1}
    with pytest.raises(ValueError, match="DIM=SIZE"):
        parse_chunks("time")
