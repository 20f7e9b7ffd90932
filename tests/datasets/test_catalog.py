"""Discover, describe, verify and delete datasets, through the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr
from click.testing import CliRunner

from grenier.cli.dataset import dataset
from grenier.datasets import (
    dataset_info,
    delete_dataset,
    list_datasets,
    verify_dataset,
    write_dataset,
)
from grenier.datasets.write import DatasetNotFoundError
from tests.datasets.conftest import Place, cf_dataset


def cli(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(dataset, list(args), input=input)
    return result.exit_code, result.output


def test_list_finds_v2_and_v3_datasets_without_reading_chunks(place: Place) -> None:
    write_dataset(cf_dataset(), place.path("a/one.zarr"))
    write_dataset(cf_dataset(periods=12), place.path("a/b/two.zarr"), zarr_format=2)
    client = place.server.client()
    client.put_object(Bucket=place.bucket, Key="a/notes.txt", Body=b"not a dataset")  # type: ignore[attr-defined]
    found = {str(s.path): s for s in list_datasets(f"{place.alias}/{place.bucket}")}
    assert set(found) == {place.path("a/one.zarr"), place.path("a/b/two.zarr")}
    two = found[place.path("a/b/two.zarr")]
    assert two.dims == {"time": 12, "lat": 6, "lon": 8}
    assert set(two.variables) == {"tasmax", "tas", "pr"} and two.layout.zarr_format == 2
    assert "time=12 lat=6 lon=8" in two.one_line() and "tas" in two.one_line()
    assert [str(s.path) for s in list_datasets(place.path("a/b"))] == [place.path("a/b/two.zarr")]


def test_info_and_verify_and_rm(place: Place) -> None:
    target = place.path("x.zarr")
    write_dataset(cf_dataset(periods=30), target, chunks={"time": 10})
    info = dataset_info(target)
    assert info.layout.arrays["tas"].nchunks == 3 and not info.missing
    assert info.current_objects == info.objects and info.stored_bytes > 0
    assert "tas" in "\n".join(info.lines())
    report = verify_dataset(target)
    assert report.ok and report.chunks == 3 * 3 + 1 + 1 + 1  # tasmax, tas, pr; time, lat, lon whole
    assert delete_dataset(target) == info.objects
    assert place.keys("x.zarr/") == []
    with pytest.raises(DatasetNotFoundError):
        dataset_info(target)


def test_verify_reports_missing_and_corrupt_chunks(place: Place) -> None:
    target = place.path("broken.zarr")
    write_dataset(cf_dataset(periods=30), target, chunks={"time": 10})
    chunks = [k for k in place.keys("broken.zarr/tas/") if not k.endswith("zarr.json")]
    client = place.server.client()
    client.delete_object(Bucket=place.bucket, Key=chunks[0])  # type: ignore[attr-defined]
    client.put_object(Bucket=place.bucket, Key=chunks[1], Body=b"garbage")  # type: ignore[attr-defined]
    report = verify_dataset(target)
    assert not report.ok
    assert report.missing == [chunks[0].removeprefix("broken.zarr/")]
    assert [c.split(":")[0] for c in report.corrupt] == [chunks[1].removeprefix("broken.zarr/")]
    code, out = cli("verify", target)
    assert code == 1 and "FAILED" in out and "1 missing, 1 corrupt" in out


def test_cli_put_ls_info_verify_rm(place: Place, netcdf_file: Path) -> None:
    target = place.path("cli/data.zarr")
    code, out = cli("put", str(netcdf_file), target, "--chunks", "time=12", "--no-progress")
    assert code == 0 and "create:" in out
    back = xr.open_dataset(netcdf_file).load()
    code, out = cli("put", str(netcdf_file), target, "--zarr-format", "2", "--mode", "overwrite")
    assert code == 0 and "zarr v2" in out
    code, out = cli("ls", f"{place.alias}/{place.bucket}")
    assert code == 0 and out.count("\n") == 1 and "cli/data.zarr" in out and "time=24" in out
    code, out = cli("info", target)
    assert code == 0 and "zarr format:   2" in out and "air_temperature" not in out
    code, out = cli("verify", target)
    assert code == 0 and "OK" in out
    from grenier.datasets import open_dataset

    xr.testing.assert_identical(open_dataset(target).compute(), back)
    code, out = cli("rm", target, input="n\n")
    assert code == 1 and place.keys("cli/")
    code, out = cli("rm", target, input="y\n")
    assert code == 0 and "removed" in out and place.keys("cli/") == []


def test_cli_errors_are_one_line(place: Place, netcdf_file: Path) -> None:
    code, out = cli("info", place.path("nothing.zarr"))
    assert code == 1 and out.strip().count("\n") == 0 and "not a Zarr dataset" in out
    code, out = cli("info", "nosuchalias/bucket/x.zarr")
    assert code == 1 and out.strip().count("\n") == 0 and "nosuchalias" in out
    code, out = cli("put", str(netcdf_file), place.path("p.zarr"), "--chunks", "time")
    assert code == 1 and "DIM=SIZE" in out and out.strip().count("\n") == 0
    cli("put", str(netcdf_file), place.path("p2.zarr"))
    code, out = cli("put", str(netcdf_file), place.path("p2.zarr"))
    assert code == 1 and "already holds a dataset" in out
    code, out = cli("rm", "-y", place.path("p2.zarr"))
    assert code == 0
