"""Default chunks for a time-series grid, and chunks aligned with an existing Zarr grid.

The default aims at chunks of about ``TARGET_BYTES`` that suit both map and time-series reads:
spatial (non-time) dimensions stay whole unless a block of ``MIN_TIME_STEPS`` time steps would
exceed the target, in which case the largest of them is halved until it fits; the time dimension
then takes as many steps as fit in the target. Never one chunk per variable for long series.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import numpy as np
import xarray as xr

TARGET_BYTES = 16 * 2**20
MIN_TIME_STEPS = 32
TIME_NAMES = frozenset({"time", "t", "date", "valid_time"})


def is_time_dim(ds: xr.Dataset, dim: Hashable) -> bool:
    if str(dim).lower() in TIME_NAMES:
        return True
    if dim not in ds.coords:
        return False
    coord = ds.coords[dim]
    return bool(
        np.issubdtype(coord.dtype, np.datetime64)
        or coord.attrs.get("axis") == "T"
        or (coord.dtype == object and coord.size and hasattr(coord.values.flat[0], "calendar"))
    )


def _itemsize(ds: xr.Dataset) -> int:
    sizes = [v.dtype.itemsize for v in ds.data_vars.values() if v.ndim] or [8]
    return max(sizes)


def default_chunks(ds: xr.Dataset, target_bytes: int = TARGET_BYTES) -> dict[Hashable, int]:
    """Chunk sizes per dimension for writing ``ds`` (see the module docstring)."""
    sizes = dict(ds.sizes)
    if not sizes:
        return {}
    itemsize = _itemsize(ds)
    time_dims = [d for d in sizes if is_time_dim(ds, d)]
    other = {d: n for d, n in sizes.items() if d not in time_dims}
    steps = min([MIN_TIME_STEPS, *(sizes[d] for d in time_dims)]) if time_dims else 1

    def block(chunks: Mapping[Hashable, int]) -> int:
        return math.prod(chunks.values()) * itemsize

    while block(other) * steps > target_bytes and max(other.values(), default=1) > 1:
        largest = max(other, key=lambda d: other[d])
        other[largest] = math.ceil(other[largest] / 2)
    chunks: dict[Hashable, int] = dict(other)
    budget = max(1, target_bytes // max(1, block(other)))
    for dim in time_dims:
        chunks[dim] = max(1, min(sizes[dim], budget))
        budget = max(1, budget // chunks[dim])
    return {d: chunks[d] for d in sizes}


def parse_chunks(text: str) -> dict[str, int]:
    """``time=365,lat=90`` → ``{"time": 365, "lat": 90}`` (CLI form)."""
    chunks: dict[str, int] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name or not value.lstrip("-").isdigit():
            raise ValueError(f"bad chunk spec {item!r}: expected DIM=SIZE")
        size = int(value)
        chunks[name] = -1 if size <= 0 else size
    return chunks


def aligned(length: int, offset: int, size: int) -> tuple[int, ...]:
    """Dask chunks for ``length`` items starting at ``offset`` on a Zarr grid of ``size``."""
    if length <= 0:
        return ()
    first = min(length, size - offset % size)
    rest = length - first
    full, tail = divmod(rest, size)
    return (first, *([size] * full), *([tail] if tail else []))
