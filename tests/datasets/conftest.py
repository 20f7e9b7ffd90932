"""Fixtures for the data library: an alias per test (GRENIER_HOST_<alias>) on a fresh bucket."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from tests.servers import S3Endpoint


@dataclass
class Place:
    """An alias bound to one server and one fresh bucket."""

    server: S3Endpoint
    alias: str
    bucket: str

    def path(self, key: str) -> str:
        return f"{self.alias}/{self.bucket}/{key}"

    def keys(self, prefix: str = "") -> list[str]:
        client: Any = self.server.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def make_public(self) -> None:
        """PutBucketPolicy with mc's "download" canned policy (anonymous read and list)."""
        arn = f"arn:aws:s3:::{self.bucket}"
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                    "Resource": [arn],
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:GetObject"],
                    "Resource": [f"{arn}/*"],
                },
            ],
        }
        client: Any = self.server.client()
        client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))


def _place(server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Place:
    alias = f"t{uuid.uuid4().hex[:10]}"
    bucket = f"ds-{uuid.uuid4().hex[:12]}"
    client: Any = server.client()
    client.create_bucket(Bucket=bucket)
    monkeypatch.setenv(f"GRENIER_HOST_{alias}", server.env_host())
    return Place(server, alias, bucket)


@pytest.fixture
def place(any_s3: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Place:
    """An alias and a bucket on Grenier, then on moto."""
    return _place(any_s3, monkeypatch)


@pytest.fixture
def grenier_place(grenier: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Place:
    return _place(grenier, monkeypatch)


def cf_dataset(
    calendar: str = "noleap", periods: int = 24, start: str = "2001-01-01", freq: str = "D"
) -> xr.Dataset:
    """A small realistic CF dataset: time x lat x lon float32, CF attributes, missing values."""
    rng = np.random.default_rng(42 + periods)
    use_cftime = calendar not in ("standard", "gregorian", "proleptic_gregorian")
    time = xr.date_range(
        start, periods=periods, freq=freq, calendar=calendar, use_cftime=use_cftime
    )
    lat = np.linspace(-60, 60, 6)
    lon = np.linspace(0, 350, 8)
    tas = (273.15 + 20 * rng.standard_normal((periods, 6, 8))).astype("float32")
    pr = rng.gamma(1.0, 2e-5, (periods, 6, 8)).astype("float32")
    tas[0, 0, :3] = np.nan
    pr[1, 2, 2] = np.nan
    ds = xr.Dataset(
        {
            # "tasmax" before "tas": a prefix of another variable's name must not clash
            "tasmax": (
                ("time", "lat", "lon"),
                tas + np.float32(4),
                {
                    "standard_name": "air_temperature",
                    "cell_methods": "time: maximum",
                    "units": "K",
                },
            ),
            "tas": (
                ("time", "lat", "lon"),
                tas,
                {
                    "standard_name": "air_temperature",
                    "long_name": "Near-Surface Air Temperature",
                    "units": "K",
                    "cell_methods": "time: mean",
                },
            ),
            "pr": (
                ("time", "lat", "lon"),
                pr,
                {
                    "standard_name": "precipitation_flux",
                    "units": "kg m-2 s-1",
                },
            ),
        },
        coords={
            "time": ("time", time, {"standard_name": "time", "axis": "T"}),
            "lat": (
                "lat",
                lat,
                {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
            ),
            "lon": (
                "lon",
                lon,
                {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
            ),
        },
        attrs={
            "Conventions": "CF-1.8",
            "title": "Grenier test indicators",
            "institution": "Ouranos",
        },
    )
    for name in ("tasmax", "tas", "pr"):
        ds[name].encoding.update({"dtype": "float32", "_FillValue": np.float32(1e20)})
    ds.time.encoding.update(
        {"units": "days since 1850-01-01", "calendar": calendar, "dtype": "int64"}
    )
    return ds


@pytest.fixture
def netcdf_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.nc"
    cf_dataset().to_netcdf(path)
    return path
