"""Discover, describe and delete datasets under a prefix, from metadata objects only.

``list_datasets`` walks the prefix one level at a time (delimiter listings) and stops descending at
the first folder holding ``zarr.json``, ``.zgroup`` or ``.zmetadata``: chunk objects are never
listed or read. ``dataset_info`` adds a full listing of one dataset (stored bytes, objects).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from grenier.datasets.fs import filesystem
from grenier.datasets.gc import remove_keys, stored_keys
from grenier.datasets.layout import ArrayLayout, DatasetLayout, read_layout
from grenier.datasets.paths import DatasetPath
from grenier.datasets.write import DatasetNotFoundError

ROOT_MARKERS = frozenset({"zarr.json", ".zgroup", ".zmetadata"})
ROOT_DELETE_ORDER = ("zarr.json", ".zmetadata", ".zgroup", ".zattrs")
MAX_DEPTH = 8
MAX_FOLDERS = 10_000


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


@dataclass(frozen=True)
class DatasetSummary:
    path: DatasetPath
    layout: DatasetLayout

    @property
    def dims(self) -> dict[str, int]:
        return self.layout.dims

    @property
    def variables(self) -> list[str]:
        return self.layout.data_vars

    @property
    def nbytes(self) -> int:
        """Uncompressed size the metadata implies."""
        return self.layout.nbytes

    def one_line(self) -> str:
        dims = " ".join(f"{d}={n}" for d, n in self.dims.items()) or "-"
        names = ",".join(self.variables) or "-"
        return (
            f"{self.path}  zarr v{self.layout.zarr_format}  {dims}  {names}  "
            f"{human_bytes(self.nbytes)} uncompressed"
        )


@dataclass(frozen=True)
class DatasetInfo(DatasetSummary):
    objects: int = 0
    stored_bytes: int = 0
    current_objects: int = 0
    current_bytes: int = 0
    missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        layout = self.layout
        out = [
            f"path:          {self.path}",
            f"url:           {self.path.url}",
            f"zarr format:   {layout.zarr_format}"
            f" ({'consolidated' if layout.consolidated else 'not consolidated'})",
            f"generation:    {layout.generation or '-'}",
            f"dimensions:    {', '.join(f'{d}={n}' for d, n in self.dims.items()) or '-'}",
            f"uncompressed:  {human_bytes(self.nbytes)}",
            f"stored:        {human_bytes(self.current_bytes)} in {self.current_objects} objects"
            f" (+{human_bytes(self.stored_bytes - self.current_bytes)} in"
            f" {self.objects - self.current_objects} objects of older generations)",
            f"missing:       {len(self.missing)} chunks",
            "arrays:",
        ]
        out += [f"  {_array_line(a)}" for a in layout.arrays.values()]
        out += ["attributes:"] + [f"  {k}: {v!r}" for k, v in layout.user_attrs.items()]
        return out


def _array_line(arr: ArrayLayout) -> str:
    dims = ", ".join(arr.dims)
    chunks = "x".join(str(c) for c in arr.chunks) or "scalar"
    units = arr.attrs.get("units", "")
    return (
        f"{arr.name:<16} ({dims}) {arr.dtype}  chunks {chunks}  {arr.nchunks} chunks"
        f"  {human_bytes(arr.nbytes)}{'  [' + str(units) + ']' if units else ''}"
    )


def as_path(target: str | DatasetPath, *, need_key: bool = True) -> DatasetPath:
    return (
        target if isinstance(target, DatasetPath) else DatasetPath.parse(target, need_key=need_key)
    )


def _layout_or_fail(fs: Any, path: DatasetPath) -> DatasetLayout:
    fs.invalidate_cache()
    layout = read_layout(fs, path.s3_path)
    if layout is None:
        raise DatasetNotFoundError(f"{path}: not a Zarr dataset")
    return layout


def list_datasets(
    prefix: str | DatasetPath, *, anonymous: bool = False, max_depth: int = MAX_DEPTH
) -> list[DatasetSummary]:
    """Every dataset under ``ALIAS/bucket[/prefix]``, found from metadata objects only."""
    base = as_path(prefix, need_key=False)
    fs = filesystem(base.alias, anonymous=anonymous)
    fs.invalidate_cache()
    found: list[DatasetSummary] = []
    queue: deque[tuple[str, int]] = deque([(base.key, 0)])
    visited = 0
    while queue and visited < MAX_FOLDERS:
        key, depth = queue.popleft()
        visited += 1
        here = base.child(key)
        try:
            entries = fs.ls(here.s3_path, detail=True, refresh=True)
        except FileNotFoundError:
            continue
        names = {e["name"].rsplit("/", 1)[-1]: e for e in entries}
        if ROOT_MARKERS & set(names) and (layout := read_layout(fs, here.s3_path)) is not None:
            found.append(DatasetSummary(here, layout))
            continue
        if depth < max_depth:
            queue.extend(
                (f"{key}/{n}".strip("/"), depth + 1)
                for n, e in sorted(names.items())
                if e["type"] == "directory"
            )
    return found


def dataset_info(target: str | DatasetPath, *, anonymous: bool = False) -> DatasetInfo:
    """The full summary of one dataset, with what is stored for it."""
    path = as_path(target)
    fs = filesystem(path.alias, anonymous=anonymous)
    layout = _layout_or_fail(fs, path)
    stored = stored_keys(fs, path)
    expected = layout.expected_keys()
    current = {k: s for k, s in stored.items() if k in expected}
    chunk_keys = {k for a in layout.arrays.values() for k in a.chunk_keys()}
    return DatasetInfo(
        path=path,
        layout=layout,
        objects=len(stored),
        stored_bytes=sum(stored.values()),
        current_objects=len(current),
        current_bytes=sum(current.values()),
        missing=sorted(chunk_keys - set(stored)),
    )


def delete_dataset(target: str | DatasetPath) -> int:
    """Delete every object of a dataset, root metadata first (readers stop seeing it at once)."""
    path = as_path(target)
    fs = filesystem(path.alias)
    _layout_or_fail(fs, path)
    keys = stored_keys(fs, path)
    ordered = [k for k in ROOT_DELETE_ORDER if k in keys]
    return remove_keys(fs, path, ordered) + remove_keys(fs, path, sorted(set(keys) - set(ordered)))
