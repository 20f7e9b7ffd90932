"""Dataset pages over HTTP for each kind of dataset: Zarr v2 and v3 (consolidated or not),
netCDF-4 and netCDF-3 objects; quick-looks; and what shows without the data extra."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import numpy as np
import pytest

from tests.console.conftest import Console, logged_in, start_console

xr = pytest.importorskip("xarray")


def _dataset() -> object:
    time = xr.date_range("1990-01-01", periods=5, freq="D", calendar="360_day", use_cftime=True)
    return xr.Dataset(
        {"tasmax": (("time", "y", "x"), np.random.rand(5, 6, 7).astype("float32"), {"units": "K"})},
        coords={"time": time, "y": np.arange(6.0), "x": np.arange(7.0)},
    )


async def _page(console: Console, path: str) -> tuple[int, str]:
    async with logged_in(console) as http, http.get(console.url + path) as resp:
        return resp.status, await resp.text()


async def _bytes(console: Console, path: str) -> tuple[int, bytes]:
    async with logged_in(console) as http, http.get(console.url + path) as resp:
        return resp.status, await resp.read()


def _check_page(text: str, kind: str) -> None:
    assert kind in text
    for dim in ("<code>time</code>: 5", "<code>y</code>: 6", "<code>x</code>: 7"):
        assert dim in text
    assert "1990-01-01 00:00:00 … 1990-01-05 00:00:00" in text and "360_day" in text


@pytest.mark.filterwarnings("ignore:Consolidated metadata")
def test_zarr_v2_and_unconsolidated_v3(console: Console, bucket_name: str) -> None:
    console.s3().create_bucket(Bucket=bucket_name)
    options = {
        "endpoint_url": console.server.endpoint,
        "key": console.server.access_key,
        "secret": console.server.secret_key,
        "client_kwargs": {"region_name": "us-east-1"},
    }
    _dataset().to_zarr(
        f"s3://{bucket_name}/v2.zarr", zarr_format=2, consolidated=True, storage_options=options
    )  # type: ignore[attr-defined]
    _dataset().to_zarr(
        f"s3://{bucket_name}/v3.zarr", zarr_format=3, consolidated=False, storage_options=options
    )  # type: ignore[attr-defined]
    status, text = asyncio.run(_page(console, f"/dataset/{bucket_name}/v2.zarr"))
    assert status == 200
    _check_page(text, "Zarr v2 (consolidated metadata)")
    status, text = asyncio.run(_page(console, f"/dataset/{bucket_name}/v3.zarr"))
    assert status == 200
    _check_page(text, "Zarr v3 (not consolidated)")


def test_netcdf_objects_from_their_header(
    console: Console, bucket_name: str, tmp_path: Path
) -> None:
    from PIL import Image

    s3 = console.s3()
    s3.create_bucket(Bucket=bucket_name)
    _dataset().to_netcdf(tmp_path / "a.nc", engine="h5netcdf")  # type: ignore[attr-defined]
    _dataset().to_netcdf(tmp_path / "b.nc", engine="scipy")  # type: ignore[attr-defined]
    s3.upload_file(str(tmp_path / "a.nc"), bucket_name, "a.nc")
    s3.upload_file(str(tmp_path / "b.nc"), bucket_name, "b.nc")
    status, text = asyncio.run(_page(console, f"/dataset/{bucket_name}/a.nc"))
    assert status == 200, text
    _check_page(text, "netCDF-4/HDF5")
    status, text = asyncio.run(_page(console, f"/dataset/{bucket_name}/b.nc"))
    assert status == 200
    _check_page(text, "netCDF-3")
    status, png = asyncio.run(_bytes(console, f"/quicklook/{bucket_name}/a.nc?var=tasmax&i.time=4"))
    assert status == 200
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (800, 500)
    status, body = asyncio.run(
        _bytes(console, f"/quicklook/{bucket_name}/a.nc?var=tasmax&i.time=9")
    )
    assert status == 422 and b"outside time" in body


def test_not_a_dataset(console: Console, bucket_name: str) -> None:
    console.s3().create_bucket(Bucket=bucket_name)
    console.s3().put_object(Bucket=bucket_name, Key="plain/file.txt", Body=b"x")
    status, text = asyncio.run(_page(console, f"/dataset/{bucket_name}/plain"))
    assert status == 404 and "not a Zarr dataset or a netCDF object" in text


def test_without_the_data_extra_metadata_still_shows(tmp_path: Path, bucket_name: str) -> None:
    """xarray made unimportable for the server and its worker: the page shows what the
    JSON says, and the quick-look names the extra to install."""
    shadow = tmp_path / "shadow" / "xarray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('hidden', name='xarray')\n")
    path = os.pathsep.join([str(tmp_path / "shadow"), os.environ.get("PYTHONPATH", "")])
    found = start_console(tmp_path / "data", env={"PYTHONPATH": path})
    try:
        s3 = found.s3()
        s3.create_bucket(Bucket=bucket_name)
        options = {
            "endpoint_url": found.server.endpoint,
            "key": found.server.access_key,
            "secret": found.server.secret_key,
        }
        _dataset().to_zarr(
            f"s3://{bucket_name}/t.zarr", zarr_format=2, consolidated=True, storage_options=options
        )  # type: ignore[attr-defined]
        status, text = asyncio.run(_page(found, f"/dataset/{bucket_name}/t.zarr"))
        assert status == 200
        assert "<code>time</code>: 5" in text and "tasmax" in text
        assert "pip install &#39;grenier[data]&#39;" in text
        status, body = asyncio.run(_bytes(found, f"/quicklook/{bucket_name}/t.zarr?var=tasmax"))
        assert status == 422 and b"pip install 'grenier[data]' (xarray is not installed)" in body
    finally:
        found.server.stop()
