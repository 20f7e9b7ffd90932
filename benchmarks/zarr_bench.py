"""Zarr through s3fs/xarray against the same dataset on local disk.

A CF-style dataset (``tas(time, lat, lon)`` float32, 1 MiB per time step, dask chunks of
8 steps) is written with ``to_zarr`` and read back with ``open_zarr(...).load()``; the read
is compared with what was written, so a wrong answer fails the row. The figure is the
time through the server divided by the time to local disk, in the same run.
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from benchmarks.servers import Target


def dataset(time_steps: int) -> xr.Dataset:
    lat = np.linspace(-89.5, 89.5, 256, dtype="float32")
    lon = np.linspace(0, 359.6484375, 1024, dtype="float32")
    rng = np.random.default_rng(7)
    base = 273.15 + 30 * np.cos(np.deg2rad(lat))[:, None] + np.zeros((256, 1024), "float32")
    data = base[None] + rng.normal(0, 2, (time_steps, 256, 1024)).astype("float32")
    ds = xr.Dataset(
        {"tas": (("time", "lat", "lon"), data.astype("float32"))},
        coords={
            "time": np.arange(time_steps, dtype="float64"),
            "lat": ("lat", lat, {"units": "degrees_north", "standard_name": "latitude"}),
            "lon": ("lon", lon, {"units": "degrees_east", "standard_name": "longitude"}),
        },
        attrs={"Conventions": "CF-1.8", "title": "grenier benchmark"},
    )
    ds["time"].attrs.update(units="days since 2000-01-01", calendar="standard")
    ds["tas"].attrs.update(units="K", standard_name="air_temperature")
    return ds.chunk({"time": 8, "lat": 256, "lon": 1024})


def _roundtrip(ds: xr.Dataset, store: str, options: dict[str, Any] | None) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        ds.to_zarr(store, mode="w", storage_options=options, consolidated=True)
        write = time.perf_counter() - start
        start = time.perf_counter()
        back = xr.open_zarr(store, storage_options=options, consolidated=True).load()
        read = time.perf_counter() - start
    if not np.array_equal(back["tas"].values, ds["tas"].values):
        raise AssertionError(f"{store}: data read back differs from data written")
    return {"write_s": round(write, 3), "read_s": round(read, 3)}


def local(ds: xr.Dataset, work: Path) -> dict[str, float]:
    path = work / "zarr-local" / "ds.zarr"
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _roundtrip(ds, str(path), None)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def through_s3(ds: xr.Dataset, target: Target, bucket: str, name: str) -> dict[str, float]:
    options = {
        "key": target.access_key,
        "secret": target.secret_key,
        "client_kwargs": {"endpoint_url": target.endpoint, "region_name": "us-east-1"},
        "skip_instance_cache": True,
    }
    return _roundtrip(ds, f"s3://{bucket}/{name}.zarr", options)


def nbytes(ds: xr.Dataset) -> int:
    return int(ds["tas"].nbytes)
