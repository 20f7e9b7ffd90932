"""Open a dataset lazily by alias path, with the alias's keys or anonymously."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import xarray as xr
from zarr.abc.store import Store

from grenier.datasets.fs import filesystem
from grenier.datasets.paths import DatasetPath
from grenier.datasets.store import GENERATION_ATTR, GenerationStore, quiet_consolidated

Cache = Literal["memory", "disk"] | None
DEFAULT_CACHE_BYTES = 256 * 2**20


def zarr_store(
    target: str | DatasetPath,
    *,
    anonymous: bool = False,
    read_only: bool = True,
    check: bool = True,
) -> GenerationStore:
    """A zarr store for ``ALIAS/bucket/path.zarr`` (usable with ``zarr.open_group``/``xr.open_zarr``).

    With ``check`` (the default) reads fail with ``DatasetChangedError`` when the dataset is
    overwritten after being opened, instead of mixing generations.
    """
    path = target if isinstance(target, DatasetPath) else DatasetPath.parse(target)
    fs = filesystem(path.alias, anonymous=anonymous, asynchronous=True)
    return GenerationStore(fs, read_only=read_only, path=path.s3_path, check=check, label=str(path))


def cached(
    store: Store,
    cache: Cache,
    *,
    max_bytes: int = DEFAULT_CACHE_BYTES,
    directory: str | None = None,
) -> Store:
    """Wrap ``store`` in zarr's LRU chunk cache, in memory or on local disk."""
    if cache is None:
        return store
    from zarr.experimental.cache_store import CacheStore
    from zarr.storage import LocalStore, MemoryStore

    if cache == "memory":
        backend: Store = MemoryStore()
    elif cache == "disk":
        if directory is None:
            raise ValueError("cache='disk' needs cache_dir")
        Path(directory).mkdir(parents=True, exist_ok=True)
        backend = LocalStore(directory)
    else:
        raise ValueError(f"unknown cache {cache!r}: expected 'memory' or 'disk'")
    return CacheStore(store, cache_store=backend, max_size=max_bytes)


def open_dataset(
    target: str | DatasetPath,
    *,
    anonymous: bool = False,
    chunks: Any = None,
    consolidated: bool | None = None,
    cache: Cache = None,
    cache_size: int = DEFAULT_CACHE_BYTES,
    cache_dir: str | None = None,
    check: bool = True,
    **kwargs: Any,
) -> xr.Dataset:
    """Open ``ALIAS/bucket/path.zarr`` lazily (Dask arrays on the stored chunks).

    ``anonymous=True`` (or an alias without keys) sends unsigned requests. Consolidated metadata is
    used when present (``consolidated=None``). ``cache`` keeps chunks already read in memory or in
    ``cache_dir`` (up to ``cache_size`` bytes, least recently used evicted).
    """
    store = cached(
        zarr_store(target, anonymous=anonymous, check=check),
        cache,
        max_bytes=cache_size,
        directory=cache_dir,
    )
    with quiet_consolidated():
        ds = xr.open_zarr(
            store, chunks=chunks if chunks is not None else {}, consolidated=consolidated, **kwargs
        )
    ds.attrs.pop(GENERATION_ATTR, None)
    return ds
