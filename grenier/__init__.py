"""Grenier: a self-hosted S3-compatible object store, an mc-style CLI and an xarray/Zarr library."""

__version__ = "0.1.0"
