"""A generated netCDF archive, the kind a THREDDS server publishes: CF netCDF4 files with
chunking and compression, a series to aggregate along time, netCDF3 files, nested folders,
odd names, files virtual Zarr must refuse, links and special files that must never be
served, plus the iris sample files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import iris_sample_data
import numpy as np
import xarray as xr

AGGREGATIONS = """\
# Served as arch/cmip/tas_day.zarr/ : the three yearly files joined along time.
aggregations:
  - key: cmip/tas_day.zarr
    dim: time
    files: cmip/day/tas_day_*.nc
  - key: mixed/units.zarr
    dim: time
    files: [mixed/a.nc, mixed/b.nc]
"""


def _grid(ds: xr.Dataset) -> xr.Dataset:
    ds["crs"] = xr.DataArray(np.int32(0), attrs={"grid_mapping_name": "latitude_longitude"})
    ds["tas"].attrs["grid_mapping"] = "crs"
    return ds


def tas_year(year: int, units: str = "days since 1850-01-01") -> tuple[xr.Dataset, dict]:
    rng = np.random.default_rng(year)
    time = xr.date_range(f"{year}-01-01", periods=365, freq="D", calendar="noleap", use_cftime=True)
    lat = np.linspace(-87.5, 87.5, 36)
    lon = np.arange(0.0, 360.0, 7.5)
    tas = (250 + 40 * rng.random((365, lat.size, lon.size))).astype("f4")
    tas[0, 0, :3] = np.nan
    ds = xr.Dataset(
        {
            "tas": (
                ("time", "lat", "lon"),
                tas,
                {"units": "K", "standard_name": "air_temperature"},
            ),
            "lat_bnds": (("lat", "bnds"), np.stack([lat - 2.5, lat + 2.5], axis=1)),
        },
        coords={"time": time, "lat": ("lat", lat, {"units": "degrees_north"}), "lon": lon},
        attrs={"Conventions": "CF-1.8", "source": "grenier test", "year": year},
    )
    encoding = {
        "tas": {
            "zlib": True,
            "shuffle": True,
            "complevel": 4,
            "chunksizes": (73, 18, 24),
            "_FillValue": 1e20,
        },
        "time": {"units": units, "calendar": "noleap", "chunksizes": (365,), "dtype": "f8"},
    }
    return _grid(ds), encoding


def write_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "grenier-aggregations.yaml").write_text(AGGREGATIONS)
    for year in (2000, 2001, 2002):
        ds, enc = tas_year(year)
        path = root / "cmip" / "day" / f"tas_day_{year}.nc"
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.to_netcdf(path, encoding=enc, engine="netcdf4")
    for name, units in (("a", "days since 1850-01-01"), ("b", "days since 2001-01-01")):
        ds, enc = tas_year(2000 if name == "a" else 2001, units)
        enc["time"]["chunksizes"] = (73,)
        (root / "mixed").mkdir(exist_ok=True)
        ds.isel(time=slice(0, 73)).to_netcdf(root / "mixed" / f"{name}.nc", encoding=enc)
    _observations(root / "obs")
    _legacy(root / "legacy")
    _odd(root)
    unsupported = root / "unsupported"
    unsupported.mkdir()
    ds, _ = tas_year(2003)
    ds.isel(time=slice(0, 10)).to_netcdf(
        unsupported / "lzf.nc", engine="h5netcdf", encoding={"tas": {"compression": "lzf"}}
    )
    (root / "empty").mkdir()
    shutil.copytree(iris_sample_data.path, root / "iris")


def _observations(folder: Path) -> None:
    folder.mkdir(parents=True)
    time = xr.date_range("2020-01-01", periods=96, freq="h", use_cftime=False)
    rng = np.random.default_rng(7)
    pr = rng.gamma(0.5, 2.0, (96, 5))
    pr[5:9, 2] = np.nan
    ds = xr.Dataset(
        {
            "pr": (("time", "station"), pr, {"units": "mm/h", "long_name": "précipitations"}),
            "ta": (("time", "station"), 10 + rng.standard_normal((96, 5)), {"units": "degC"}),
            "station_name": ("station", np.array(["Orsay", "Brest", "Lyon", "Nice", "Lille"])),
        },
        coords={"time": time, "station": np.arange(5)},
        attrs={"title": "hourly station data", "history": "made by tests/archive/tree.py"},
    )
    encoding = {
        "pr": {"zlib": True, "shuffle": False, "chunksizes": (24, 5)},
        "ta": {
            "dtype": "int16",
            "scale_factor": 0.01,
            "add_offset": 10.0,
            "_FillValue": -32767,
            "zlib": True,
            "shuffle": True,
            "chunksizes": (48, 1),
        },
    }
    (folder / "station").mkdir()
    ds.to_netcdf(folder / "station" / "pr_1h.nc", encoding=encoding)
    contig = xr.Dataset(
        {"orog": (("y", "x"), rng.random((20, 30)) * 3000, {"units": "m"}), "scale": 2.5},
        coords={"y": np.arange(20.0), "x": np.arange(30.0)},
    )
    contig.to_netcdf(folder / "contiguous.nc", encoding={"orog": {"contiguous": True}})


def _legacy(folder: Path) -> None:
    folder.mkdir(parents=True)
    time = xr.date_range("1990-01-01", periods=12, freq="MS", calendar="360_day", use_cftime=True)
    rng = np.random.default_rng(3)
    sst = 280 + rng.random((12, 4, 6))
    sst[2, 1, 1] = -999.0
    ds = xr.Dataset(
        {
            "sst": (("time", "lat", "lon"), sst, {"units": "K", "missing_value": -999.0}),
            "ice": (("time", "lat", "lon"), rng.random((12, 4, 6)).astype("f4")),
            "mask": (
                ("lat", "lon"),
                (rng.random((4, 6)) > 0.5).astype("i4"),
                {"flag_values": [0, 1]},
            ),
        },
        coords={"time": time, "lat": np.arange(4.0), "lon": np.arange(6.0)},
        attrs={"title": "classic", "version": 3, "scale": 1.5},
    )
    enc = {"sst": {"_FillValue": None}, "ice": {"_FillValue": 1e20}}
    ds.to_netcdf(
        folder / "classic.nc", format="NETCDF3_CLASSIC", unlimited_dims=["time"], encoding=enc
    )
    ds.isel(time=slice(0, 6)).to_netcdf(folder / "offset64.nc", format="NETCDF3_64BIT")


def _odd(root: Path) -> None:
    odd = root / "odd"
    for rel, data in {
        "a b+c=d&e.txt": b"spaces and signs\n",
        "été/données 100%.txt": b"accents\n",
        "日本/テスト.txt": b"unicode\n",
        "x#y?z;[1].txt": b"more signs\n",
        ".hidden": b"dot file\n",
        "empty.bin": b"",
        "deep/er/and/deeper/leaf.bin": bytes(range(256)) * 40,
    }.items():
        path = odd / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "notnc.txt").write_bytes(b"not a netCDF file\n")
    shutil.copy(root / "obs" / "contiguous.nc", odd / "été" / "copie.nc")


def add_links(root: Path, outside: Path) -> None:
    """Links and special files: the catalogue must skip them, reads must refuse them."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_bytes(b"SECRET outside the archive\n")
    links = root / "links"
    links.mkdir()
    os.symlink(outside / "secret.txt", links / "out.txt")
    os.symlink("../notnc.txt", links / "in.txt")
    os.symlink(outside, links / "dir")
    os.mkfifo(links / "fifo")


def walk_keys(root: Path) -> dict[str, Path]:
    """What a listing of the whole archive must be: every regular file, never through a
    link, keys in UTF-8 byte order."""
    found: dict[str, Path] = {}
    for folder, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            found[path.relative_to(root).as_posix()] = path
    return dict(sorted(found.items(), key=lambda kv: kv[0].encode()))
