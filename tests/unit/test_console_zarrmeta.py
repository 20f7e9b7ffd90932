"""The console's reading of Zarr metadata documents, against documents written by zarr and
xarray themselves (v2 and v3, consolidated or not)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grenier.console import zarrmeta

xr = pytest.importorskip("xarray")


def _dataset() -> object:
    time = xr.date_range("2000-01-01", periods=3, freq="D", calendar="360_day", use_cftime=True)
    return xr.Dataset(
        {"pr": (("time", "lat", "lon"), np.zeros((3, 4, 5), "float32"), {"units": "kg m-2 s-1"})},
        coords={"time": time, "lat": np.arange(4.0), "lon": np.arange(5.0)},
        attrs={"title": "<b>precip</b>"},
    )


def _docs(root: Path) -> dict[str, object]:
    return {
        str(p.relative_to(root)): json.loads(p.read_text())
        for p in root.rglob("*")
        if p.name in (".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json")
    }


def _check(found: dict[str, object]) -> None:
    assert found["dims"] == {"time": 3, "lat": 4, "lon": 5}
    assert [v["name"] for v in found["data_vars"]] == ["pr"]  # type: ignore[index]
    assert [v["name"] for v in found["coords"]] == ["lat", "lon", "time"]  # type: ignore[index]
    pr = found["data_vars"][0]  # type: ignore[index]
    assert pr["dims"] == ["time", "lat", "lon"] and pr["shape"] == [3, 4, 5]
    assert pr["dtype"] == "float32" and pr["attrs"]["units"] == "kg m-2 s-1"
    assert pr["codecs"]  # the default compressor is named
    assert found["attrs"] == {"title": "<b>precip</b>"}
    assert zarrmeta.plottable(found) == [pr]


@pytest.mark.filterwarnings("ignore:Consolidated metadata")
def test_zarr_v3_consolidated_and_not(tmp_path: Path) -> None:
    _dataset().to_zarr(tmp_path / "c.zarr", zarr_format=3, consolidated=True)  # type: ignore[attr-defined]
    docs = _docs(tmp_path / "c.zarr")
    found = zarrmeta.from_v3(docs["zarr.json"], None)  # type: ignore[arg-type]
    assert found["kind"] == "Zarr v3" and found["consolidated"] is True
    _check(found)
    _dataset().to_zarr(tmp_path / "n.zarr", zarr_format=3, consolidated=False)  # type: ignore[attr-defined]
    docs = _docs(tmp_path / "n.zarr")
    children = {k.split("/")[0]: v for k, v in docs.items() if k.endswith("/zarr.json")}
    found = zarrmeta.from_v3(docs["zarr.json"], children)  # type: ignore[arg-type]
    assert found["consolidated"] is False
    _check(found)


def test_zarr_v2_consolidated(tmp_path: Path) -> None:
    _dataset().to_zarr(tmp_path / "v2.zarr", zarr_format=2, consolidated=True)  # type: ignore[attr-defined]
    meta = _docs(tmp_path / "v2.zarr")[".zmetadata"]["metadata"]  # type: ignore[index]
    found = zarrmeta.from_v2(meta, consolidated=True)
    assert found["kind"] == "Zarr v2"
    _check(found)
    pr = found["data_vars"][0]
    assert pr["chunks"] == [3, 4, 5]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("<f4", "float32"),
        ("<i8", "int64"),
        ("|u1", "uint8"),
        ("|b1", "bool"),
        ("<M8[ns]", "datetime64[ns]"),
        ("<U5", "string (U5)"),
    ],
)
def test_v2_dtypes(text: str, name: str) -> None:
    assert zarrmeta.dtype_v2(text) == name
