"""Removing objects under a dataset prefix: garbage of older generations, or everything.

Deletes go through s3fs's batched DeleteObjects (1000 keys per request).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grenier.datasets.layout import DatasetLayout
from grenier.datasets.paths import DatasetPath


def stored_keys(fs: Any, path: DatasetPath) -> dict[str, int]:
    """Every object under the dataset prefix: key relative to the prefix → size."""
    prefix = path.s3_path + "/"
    found = fs.find(prefix, detail=True, withdirs=False)
    return {
        name[len(prefix) :]: int(info.get("size") or 0)
        for name, info in found.items()
        if name.startswith(prefix)
    }


def remove_keys(fs: Any, path: DatasetPath, keys: Iterable[str]) -> int:
    """Delete the given keys (relative to the dataset prefix) in the order given."""
    paths = [f"{path.s3_path}/{k}" for k in keys]
    if paths:
        fs.rm(paths)
        fs.invalidate_cache(path.s3_path)
    return len(paths)


def collect_garbage(fs: Any, path: DatasetPath, layout: DatasetLayout | None) -> int:
    """Delete every object under the prefix that the current generation does not use."""
    keep = layout.expected_keys() if layout is not None else set()
    return remove_keys(fs, path, sorted(set(stored_keys(fs, path)) - keep))
