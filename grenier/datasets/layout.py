"""What a Zarr dataset's metadata says is in the bucket, read without touching a chunk.

``read_layout`` reads the root metadata (consolidated when present: one GET; otherwise the
arrays' own metadata documents) and describes each array: shape, chunk grid, dtype, dimensions
and how its chunk keys are spelled, so callers can list expected chunk keys (verify, garbage
collection) or summarise the dataset (ls, info).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from grenier.datasets.store import GENERATION_ATTR, METADATA_NAMES


@dataclass(frozen=True)
class ArrayLayout:
    name: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: str
    dims: tuple[str, ...]
    attrs: dict[str, Any]
    key_style: str  # "default" (v3: c/0/0) or "v2" (0.0)
    separator: str
    fill_value: Any = None

    @property
    def nchunks(self) -> int:
        return math.prod(
            math.ceil(s / c) if c else 0 for s, c in zip(self.shape, self.chunks, strict=True)
        )

    @property
    def itemsize(self) -> int:
        import numpy as np

        try:
            return int(np.dtype(self.dtype).itemsize)
        except TypeError:
            return 8

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.itemsize

    def chunk_key(self, index: tuple[int, ...]) -> str:
        coords = [str(i) for i in index]
        if self.key_style == "v2":
            return f"{self.name}/{self.separator.join(coords) if coords else '0'}"
        return f"{self.name}/{self.separator.join(['c', *coords])}"

    def chunk_keys(self) -> Iterator[str]:
        grid = [
            range(math.ceil(s / c)) if c else range(0)
            for s, c in zip(self.shape, self.chunks, strict=True)
        ]
        for index in itertools.product(*grid):
            yield self.chunk_key(index)


@dataclass(frozen=True)
class DatasetLayout:
    zarr_format: int
    attrs: dict[str, Any]
    arrays: dict[str, ArrayLayout]
    consolidated: bool
    metadata_keys: tuple[str, ...] = field(default=())

    @property
    def generation(self) -> str | None:
        value = self.attrs.get(GENERATION_ATTR)
        return value if isinstance(value, str) else None

    @property
    def user_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in self.attrs.items() if k != GENERATION_ATTR}

    @property
    def dims(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for arr in sorted(self.arrays.values(), key=lambda a: -len(a.shape)):
            sizes.update(zip(arr.dims, arr.shape, strict=False))
        return sizes

    @property
    def data_vars(self) -> list[str]:
        coords = set(self.dims)
        for arr in self.arrays.values():
            coords.update(str(arr.attrs.get("coordinates", "")).split())
        return [n for n in self.arrays if n not in coords]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())

    def key_style(self) -> tuple[str, str] | None:
        """The chunk key spelling of the current generation (of its largest array)."""
        if not self.arrays:
            return None
        biggest = max(self.arrays.values(), key=lambda a: (len(a.shape), a.nbytes))
        return biggest.key_style, biggest.separator

    def root_metadata_keys(self) -> list[str]:
        """The root documents readers open first, in the order to delete them."""
        return ["zarr.json"] if self.zarr_format == 3 else [".zmetadata", ".zgroup", ".zattrs"]

    def expected_keys(self) -> set[str]:
        keys = set(self.metadata_keys)
        for arr in self.arrays.values():
            keys.update(arr.chunk_keys())
        return keys


def _array_v3(name: str, doc: dict[str, Any]) -> ArrayLayout:
    encoding = doc.get("chunk_key_encoding", {"name": "default"})
    style = encoding.get("name", "default")
    separator = encoding.get("configuration", {}).get(
        "separator", "/" if style == "default" else "."
    )
    grid = (
        doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape", doc.get("shape", []))
    )
    dtype = doc.get("data_type")
    return ArrayLayout(
        name=name,
        shape=tuple(doc.get("shape", [])),
        chunks=tuple(grid),
        dtype=dtype if isinstance(dtype, str) else json.dumps(dtype),
        dims=tuple(doc.get("dimension_names") or ()),
        attrs=doc.get("attributes", {}),
        key_style=style,
        separator=separator,
        fill_value=doc.get("fill_value"),
    )


def _array_v2(name: str, zarray: dict[str, Any], zattrs: dict[str, Any]) -> ArrayLayout:
    return ArrayLayout(
        name=name,
        shape=tuple(zarray.get("shape", [])),
        chunks=tuple(zarray.get("chunks", [])),
        dtype=str(zarray.get("dtype")),
        dims=tuple(zattrs.get("_ARRAY_DIMENSIONS", ())),
        attrs={k: v for k, v in zattrs.items() if k != "_ARRAY_DIMENSIONS"},
        key_style="v2",
        separator=zarray.get("dimension_separator") or ".",
        fill_value=zarray.get("fill_value"),
    )


def _load(fs: Any, path: str) -> dict[str, Any] | None:
    try:
        return json.loads(fs.cat_file(path))
    except FileNotFoundError:
        return None


def _child_names(fs: Any, root: str) -> list[str]:
    return [
        p["name"].rsplit("/", 1)[-1]
        for p in fs.ls(root, detail=True, refresh=True)
        if p["type"] == "directory"
    ]


def _read_v3(fs: Any, root: str, doc: dict[str, Any]) -> DatasetLayout:
    meta = (doc.get("consolidated_metadata") or {}).get("metadata")
    consolidated = meta is not None
    if meta is None:
        meta = {n: d for n in _child_names(fs, root) if (d := _load(fs, f"{root}/{n}/zarr.json"))}
    arrays = {
        n: _array_v3(n, d)
        for n, d in meta.items()
        if d.get("node_type") == "array" and "/" not in n
    }
    keys = ("zarr.json", *(f"{n}/zarr.json" for n in meta))
    return DatasetLayout(3, doc.get("attributes", {}), arrays, consolidated, keys)


def _read_v2(fs: Any, root: str) -> DatasetLayout | None:
    consolidated = _load(fs, f"{root}/.zmetadata")
    if consolidated is not None:
        meta = consolidated.get("metadata", {})
    else:
        if _load(fs, f"{root}/.zgroup") is None:
            return None
        meta = {".zattrs": _load(fs, f"{root}/.zattrs") or {}}
        for name in _child_names(fs, root):
            if (zarray := _load(fs, f"{root}/{name}/.zarray")) is not None:
                meta[f"{name}/.zarray"] = zarray
                meta[f"{name}/.zattrs"] = _load(fs, f"{root}/{name}/.zattrs") or {}
    arrays = {}
    for key, zarray in meta.items():
        name, _, leaf = key.rpartition("/")
        if leaf == ".zarray" and name and "/" not in name:
            arrays[name] = _array_v2(name, zarray, meta.get(f"{name}/.zattrs", {}))
    keys = {".zgroup", ".zattrs", ".zmetadata", *meta}
    return DatasetLayout(
        2, meta.get(".zattrs", {}), arrays, consolidated is not None, tuple(sorted(keys))
    )


def read_layout(fs: Any, root: str) -> DatasetLayout | None:
    """The layout of the dataset at ``bucket/key`` (s3fs path), or None when there is none."""
    doc = _load(fs, f"{root}/zarr.json")
    if doc is not None:
        if doc.get("node_type") != "group":
            return None
        return _read_v3(fs, root, doc)
    return _read_v2(fs, root)


def is_metadata_key(key: str) -> bool:
    return key.rsplit("/", 1)[-1] in METADATA_NAMES
