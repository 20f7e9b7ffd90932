"""xarray/Zarr datasets in Grenier (or any S3) buckets, addressed as ``ALIAS/bucket/path.zarr``.

Importing this package registers the ``grenier://`` fsspec protocol. The public names are loaded
lazily so that ``grenier --help`` does not import xarray.
"""

from __future__ import annotations

import importlib
from typing import Any

from grenier.datasets.fs import register

__all__ = [
    "DatasetChangedError",
    "DatasetExistsError",
    "DatasetNotFoundError",
    "DatasetPath",
    "GrenierFileSystem",
    "default_chunks",
    "delete_dataset",
    "filesystem",
    "list_datasets",
    "open_dataset",
    "dataset_info",
    "storage_options",
    "verify_dataset",
    "write_dataset",
    "write_netcdf",
    "zarr_store",
]

_HOMES = {
    "DatasetChangedError": "store",
    "DatasetExistsError": "write",
    "DatasetNotFoundError": "write",
    "DatasetPath": "paths",
    "GrenierFileSystem": "fs",
    "default_chunks": "chunking",
    "delete_dataset": "catalog",
    "filesystem": "fs",
    "list_datasets": "catalog",
    "open_dataset": "read",
    "dataset_info": "catalog",
    "storage_options": "fs",
    "verify_dataset": "verify",
    "write_dataset": "write",
    "write_netcdf": "write",
    "zarr_store": "read",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'grenier.datasets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"grenier.datasets.{_HOMES[name]}"), name)


register()
