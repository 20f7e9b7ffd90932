"""Write an ``xarray.Dataset`` (numpy- or Dask-backed) or netCDF files as Zarr in a bucket.

Modes: ``create`` (fail if something is there), ``overwrite`` (a new generation, safe for readers:
see docs/datasets.md), ``append`` (along a dimension) and ``region`` (rewrite a slab in place).
Chunks are written in parallel (Dask threads, or the workers of an active ``dask.distributed``
client); metadata is written last, consolidated, so a crash mid-write leaves readers on the
previous generation.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any, Literal

import xarray as xr
import zarr

from grenier.datasets.chunking import default_chunks
from grenier.datasets.fs import filesystem
from grenier.datasets.gc import collect_garbage, remove_keys
from grenier.datasets.layout import DatasetLayout, read_layout
from grenier.datasets.paths import DatasetPath
from grenier.datasets.store import GENERATION_ATTR, GenerationStore, quiet_consolidated

Mode = Literal["create", "overwrite", "append", "region"]
MODES: tuple[str, ...] = ("create", "overwrite", "append", "region")
#: Chunk writes in flight when no distributed client is active (I/O bound, not CPU bound).
THREADS = 16
#: Chunk key spellings a generation can use; consecutive generations never share one.
KEY_STYLES = {3: [("default", "/"), ("v2", ".")], 2: [("v2", "."), ("v2", "/")]}


class DatasetExistsError(FileExistsError):
    """``create`` found a dataset (or other objects) at the target."""


class DatasetNotFoundError(FileNotFoundError):
    """No Zarr dataset at the path (or it is not readable with these credentials)."""


@dataclass(frozen=True)
class WriteResult:
    path: DatasetPath
    generation: str
    zarr_format: int
    mode: str


def as_path(target: str | DatasetPath) -> DatasetPath:
    return target if isinstance(target, DatasetPath) else DatasetPath.parse(target)


def next_key_style(zarr_format: int, layout: DatasetLayout | None) -> tuple[str, str]:
    current = layout.key_style() if layout else None
    return next(s for s in KEY_STYLES[zarr_format] if s != current)


def _with_encoding(
    ds: xr.Dataset, style: tuple[str, str], user: Mapping[Hashable, Mapping[str, Any]] | None
) -> xr.Dataset:
    """Set the generation's chunk key spelling and the caller's encodings on every variable.

    Set on ``Variable.encoding`` (not passed as ``to_zarr(encoding=)``, which would replace the
    CF encodings such as ``_FillValue``, ``units`` and ``calendar`` instead of adding to them).
    """
    name, separator = style
    unknown = set(user or {}) - set(ds.variables)
    if unknown:
        raise ValueError(f"encoding given for unknown variables: {sorted(map(str, unknown))}")
    for var_name, var in ds.variables.items():
        var.encoding.update((user or {}).get(var_name, {}))
        var.encoding["chunk_key_encoding"] = {
            "name": name,
            "configuration": {"separator": separator},
        }
    return ds


def _clean(ds: xr.Dataset) -> xr.Dataset:
    """Drop what must not travel: our generation attribute, source chunk encodings."""
    ds = ds.copy()
    for var in ds.variables.values():
        var.encoding = dict(var.encoding)  # never modify the caller's dataset
    ds.attrs.pop(GENERATION_ATTR, None)
    for var in ds.variables.values():
        for key in ("chunks", "preferred_chunks", "shards", "chunk_key_encoding"):
            var.encoding.pop(key, None)
    return ds


def _chunked(ds: xr.Dataset, chunks: Mapping[Hashable, int] | None) -> xr.Dataset:
    wanted = {**default_chunks(ds), **(chunks or {})}
    return ds.chunk({d: c for d, c in wanted.items() if d in ds.dims})


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from dask.diagnostics import ProgressBar

    with ProgressBar(minimum=0.5):
        yield


def _distributed_client() -> Any:
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def compute(delayed: Any, progress: bool = False) -> None:
    """Run the chunk writes: on the active distributed client's workers, else in threads."""
    client = _distributed_client()
    if client is not None:
        future = client.compute(delayed)
        if progress:
            from distributed import progress as show

            show(future)
        future.result()
        return
    with _progress(progress):
        delayed.compute(scheduler="threads", num_workers=THREADS)


def _plan(mode: str, layout: DatasetLayout | None, fs: Any, path: DatasetPath) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    if mode == "create" and (layout is not None or fs.find(path.s3_path, maxdepth=1)):
        what = "a dataset" if layout is not None else "objects"
        raise DatasetExistsError(f"{path} already holds {what}; use mode 'overwrite'")
    if mode in ("append", "region") and layout is None:
        raise DatasetNotFoundError(f"{path}: no Zarr dataset to {mode} to")


def write_dataset(
    ds: xr.Dataset,
    target: str | DatasetPath,
    *,
    mode: Mode = "create",
    chunks: Mapping[Hashable, int] | None = None,
    append_dim: Hashable = "time",
    region: Mapping[str, slice] | Literal["auto"] | None = None,
    zarr_format: Literal[2, 3] = 3,
    encoding: Mapping[Hashable, Mapping[str, Any]] | None = None,
    progress: bool = False,
    keep_previous: bool = True,
) -> WriteResult:
    """Write ``ds`` to ``ALIAS/bucket/path.zarr`` with the alias's keys; see the module doc."""
    path = as_path(target)
    fs = filesystem(path.alias)
    layout = read_layout(fs, path.s3_path)
    _plan(mode, layout, fs, path)
    ds = _clean(ds)
    if mode in ("create", "overwrite"):
        generation = uuid.uuid4().hex[:16]
        if layout is not None or mode == "overwrite":
            collect_garbage(fs, path, layout)  # debris of older generations and crashed writes
        style = next_key_style(zarr_format, layout)
        ds = _chunked(ds, chunks)
        ds = _with_encoding(ds, style, encoding)
        kwargs: dict[str, Any] = {"mode": "w"}
    else:
        assert layout is not None
        generation = layout.generation or uuid.uuid4().hex[:16]
        zarr_format = layout.zarr_format  # type: ignore[assignment]
        ds = ds.chunk(dict(chunks)) if chunks else ds.chunk()
        kwargs = {"align_chunks": True, "encoding": encoding}
        if mode == "append":
            kwargs.update(mode="a-", append_dim=append_dim)
        else:
            region = region or "auto"
            if isinstance(region, Mapping):
                ds = ds.drop_vars([v for v in ds.variables if not set(ds[v].dims) & set(region)])
            else:
                ds = ds.drop_vars([v for v in ds.variables if v not in ds.dims and not ds[v].dims])
            kwargs.update(mode="r+", region=region)
    store = GenerationStore(
        filesystem(path.alias, asynchronous=True),
        path=path.s3_path,
        generation=generation,
        staged=True,
        fresh=mode in ("create", "overwrite"),
        check=False,
        label=str(path),
    )
    with zarr.config.set({"async.concurrency": THREADS * 4}), quiet_consolidated():
        delayed = ds.to_zarr(
            store,
            zarr_format=zarr_format,
            consolidated=True,
            compute=False,
            write_empty_chunks=True,
            **kwargs,
        )
        compute(delayed, progress)
        store.commit()
    if layout is not None and layout.zarr_format != zarr_format:
        remove_keys(fs, path, layout.root_metadata_keys())  # the old format's root stops shadowing
    if mode == "overwrite" and not keep_previous:
        collect_garbage(fs, path, read_layout(fs, path.s3_path))
    return WriteResult(path, generation, zarr_format, mode)


def open_netcdf(paths: str | PathLike[str] | Sequence[str | PathLike[str]]) -> xr.Dataset:
    """One netCDF file, or several combined along their coordinates (time), opened lazily."""
    if isinstance(paths, str | PathLike):
        return xr.open_dataset(paths, chunks={})
    if len(paths) == 1:
        return xr.open_dataset(paths[0], chunks={})
    return xr.open_mfdataset(
        list(paths),
        combine="by_coords",
        chunks={},
        data_vars="minimal",
        coords="minimal",
        compat="override",
        join="outer",
    )


def write_netcdf(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]],
    target: str | DatasetPath,
    **kwargs: Any,
) -> WriteResult:
    """``write_dataset`` for netCDF files (several are combined along time)."""
    ds = open_netcdf(paths)
    try:
        return write_dataset(ds, target, **kwargs)
    finally:
        ds.close()
