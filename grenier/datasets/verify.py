"""Check that every chunk a dataset's metadata implies is stored, and that it decodes.

Presence comes from one listing of the prefix (no per-chunk HEAD). Decoding reads each array in
slabs of whole chunk rows (bounded memory, chunks of a slab fetched concurrently); a slab that
fails is re-read chunk by chunk to name the bad chunks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import zarr

from grenier.datasets.catalog import _layout_or_fail, as_path
from grenier.datasets.fs import filesystem
from grenier.datasets.gc import stored_keys
from grenier.datasets.layout import ArrayLayout
from grenier.datasets.paths import DatasetPath
from grenier.datasets.read import zarr_store

SLAB_BYTES = 64 * 2**20


@dataclass
class VerifyReport:
    path: DatasetPath
    arrays: int = 0
    chunks: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt

    def summary(self) -> str:
        state = "OK" if self.ok else "FAILED"
        return (
            f"{self.path}: {state}: {self.arrays} arrays, {self.chunks} chunks, "
            f"{len(self.missing)} missing, {len(self.corrupt)} corrupt"
        )


def _slabs(arr: ArrayLayout) -> list[tuple[slice, ...]]:
    if not arr.shape:
        return [()]
    row_bytes = math.prod(arr.chunks[1:]) * arr.chunks[0] * arr.itemsize
    row_bytes *= math.prod(
        math.ceil(s / c) for s, c in zip(arr.shape[1:], arr.chunks[1:], strict=True)
    )
    rows = max(1, SLAB_BYTES // max(1, row_bytes))
    step = rows * arr.chunks[0]
    return [(slice(i, min(i + step, arr.shape[0])),) for i in range(0, arr.shape[0], step)]


def _chunk_selections(
    arr: ArrayLayout, slab: tuple[slice, ...]
) -> list[tuple[tuple[int, ...], tuple[slice, ...]]]:
    ranges = [range(math.ceil(s / c)) for s, c in zip(arr.shape, arr.chunks, strict=True)]
    if slab:
        first = slab[0]
        ranges[0] = range(first.start // arr.chunks[0], math.ceil(first.stop / arr.chunks[0]))
    out = []
    for index in itertools.product(*ranges):
        sel = tuple(
            slice(i * c, min((i + 1) * c, s))
            for i, c, s in zip(index, arr.chunks, arr.shape, strict=True)
        )
        out.append((index, sel))
    return out


def _decode(group: Any, arr: ArrayLayout, report: VerifyReport) -> None:
    zarray = group[arr.name]
    for slab in _slabs(arr):
        try:
            zarray[slab]
            continue
        except Exception:  # noqa: BLE001 - narrowed below, chunk by chunk
            pass
        for index, sel in _chunk_selections(arr, slab):
            try:
                zarray[sel]
            except Exception as exc:  # noqa: BLE001 - any decode failure is a finding
                report.corrupt.append(f"{arr.chunk_key(index)}: {type(exc).__name__}: {exc}")


def verify_dataset(
    target: str | DatasetPath, *, anonymous: bool = False, decode: bool = True
) -> VerifyReport:
    """Every chunk the metadata implies is present (one listing) and, with ``decode``, decodes."""
    path = as_path(target)
    layout = _layout_or_fail(filesystem(path.alias, anonymous=anonymous), path)
    stored = stored_keys(filesystem(path.alias, anonymous=anonymous), path)
    report = VerifyReport(path, arrays=len(layout.arrays))
    for arr in layout.arrays.values():
        keys = list(arr.chunk_keys())
        report.chunks += len(keys)
        report.missing += [k for k in keys if k not in stored]
    if decode:
        store = zarr_store(path, anonymous=anonymous, check=True)
        group = zarr.open_group(store, mode="r", use_consolidated=layout.consolidated or None)
        for arr in layout.arrays.values():
            _decode(group, arr, report)
    return report
