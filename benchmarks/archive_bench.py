"""One variable read three ways in one run: through an archive bucket's virtual Zarr (the
netCDF file served in place), from the same data converted to Zarr in a normal bucket,
and from the local netCDF file.

A CF dataset (``tas(time, lat, lon)`` float32, 1 MiB per time step, netCDF4 chunks of 8
steps, zlib + shuffle as netCDF writes them) is written once to an archive folder; a
Grenier server serves that folder with ``--archive`` and also holds the same data written
with ``to_zarr`` (same chunks, Zarr's default codec) in a normal bucket. Each repeat reads
``tas`` fully, in turn:

* ``local``: ``xr.open_dataset(file.nc)["tas"].load()`` (netCDF4-C, no server);
* ``virtual``: ``xr.open_zarr("s3://arch/file.nc.zarr")["tas"].load()`` (s3fs, dask);
* ``converted``: ``xr.open_zarr("s3://conv/file.zarr")["tas"].load()`` (s3fs, dask).

Every read is compared with the data written, so a wrong answer fails the run. The first
virtual read after start-up (kerchunk builds the references) is reported on its own.

    python -m benchmarks.archive_bench [--steps 96] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from benchmarks.procs import free_port
from benchmarks.servers import ACCESS_KEY, SECRET_KEY, ServerSpec, Target, _launch
from benchmarks.zarr_bench import dataset


def start(work: Path, archive: Path) -> Target:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [sys.executable, "-m", "grenier", "server", str(data), "--address",
            f"127.0.0.1:{port}", "--console-address", "off", "--archive", f"arch={archive}"]  # fmt: skip
    env = {"GRENIER_ROOT_USER": ACCESS_KEY, "GRENIER_ROOT_PASSWORD": SECRET_KEY}
    spec = ServerSpec("grenier-archive", True, "", lambda *_: None)  # type: ignore[arg-type,return-value]
    return _launch(spec, argv, work, data, "/minio/health/ready", port, env, timeout=60)


def wait_catalogue(target: Target) -> None:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    api = AdminApi(Alias("bench", target.endpoint, ACCESS_KEY, SECRET_KEY))
    deadline = time.monotonic() + 60
    while not api.call("GET", "archive", {"name": "arch"})["archives"][0]["ready"]:
        if time.monotonic() > deadline:
            raise RuntimeError("the archive was not catalogued in 60 s")
        time.sleep(0.1)


def timed(read: Any, expected: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        values = read()
        elapsed = time.perf_counter() - start
    if not np.array_equal(values, expected):
        raise AssertionError("the data read differs from the data written")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=96, help="time steps of 1 MiB (default 96)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="grenier-archive-bench-"))
    archive = work / "archive"
    archive.mkdir()
    ds = dataset(args.steps)
    expected = ds["tas"].values
    nc = archive / "tas.nc"
    ds.to_netcdf(nc, encoding={"tas": {"zlib": True, "shuffle": True, "complevel": 4,
                                       "chunksizes": (8, 256, 1024)}})  # fmt: skip
    target = start(work, archive)
    try:
        wait_catalogue(target)
        options = {"key": ACCESS_KEY, "secret": SECRET_KEY,
                   "client_kwargs": {"endpoint_url": target.endpoint}}  # fmt: skip
        import s3fs

        s3fs.S3FileSystem(**options).mkdir("conv")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.to_zarr("s3://conv/tas.zarr", storage_options=options, mode="w", consolidated=True)

        def local() -> np.ndarray:
            with xr.open_dataset(nc) as opened:
                return opened["tas"].values

        def remote(url: str) -> Any:
            return lambda: xr.open_zarr(url, storage_options=options)["tas"].values

        virtual, converted = remote("s3://arch/tas.nc.zarr"), remote("s3://conv/tas.zarr")
        first = timed(virtual, expected)
        runs: dict[str, list[float]] = {"local": [], "virtual": [], "converted": []}
        for r in range(args.repeats):
            order = ["local", "virtual", "converted"]
            for name in order if r % 2 == 0 else order[::-1]:
                read = {"local": local, "virtual": virtual, "converted": converted}[name]
                runs[name].append(timed(read, expected))
    finally:
        target.stop()
    medians = {name: statistics.median(values) for name, values in runs.items()}
    mib = expected.nbytes / 2**20
    print(f"tas: {mib:.0f} MiB float32, netCDF4 chunks (8, 256, 1024) zlib+shuffle; "
          f"{args.repeats} repeats, medians")  # fmt: skip
    print("| read | seconds | MiB/s | ratio to local netCDF |")
    print("|---|---|---|---|")
    for name, seconds in medians.items():
        print(
            f"| {name} | {seconds:.3f} | {mib / seconds:.0f} | {seconds / medians['local']:.2f} |"
        )
    print(f"| virtual, first read (references built) | {first:.3f} | {mib / first:.0f} | "
          f"{first / medians['local']:.2f} |")  # fmt: skip
    print(f"virtual / converted: {medians['virtual'] / medians['converted']:.2f}")
    if args.out:
        args.out.write_text(
            json.dumps({"mib": mib, "first_virtual_s": first, "runs": runs}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
