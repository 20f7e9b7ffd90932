"""Real data: HadCM3 A1B air temperature over North America (360-day calendar), from netCDF."""

from __future__ import annotations

from pathlib import Path

import iris_sample_data
import numpy as np
import xarray as xr

from grenier.datasets import open_dataset, verify_dataset, write_netcdf
from tests.datasets.conftest import Place


def sample_path() -> Path:
    return Path(iris_sample_data.__file__).parent / "sample_data" / "A1B_north_america.nc"


def test_hadcm3_a1b_round_trip(place: Place) -> None:
    path = sample_path()
    target = place.path("hadcm3/a1b_north_america.zarr")
    write_netcdf(path, target, chunks={"time": 60})
    back = open_dataset(target)
    with xr.open_dataset(path) as source:
        source = source.load()
    xr.testing.assert_identical(back.compute(), source)
    assert back.time.encoding["calendar"] == "360_day"
    assert back.air_temperature.dtype == np.float32
    assert back.air_temperature.chunks is not None and back.air_temperature.chunks[0][0] == 60
    for name, var in source.variables.items():
        for key in ("dtype", "units", "calendar"):
            if key in var.encoding:
                got, want = back[name].encoding[key], var.encoding[key]
                if key == "units" and " since " in str(want):  # xarray spells the epoch shorter
                    got, want = (str(u).removesuffix(" 00:00:00") for u in (got, want))
                assert got == want, (name, key)
    assert verify_dataset(target).ok
