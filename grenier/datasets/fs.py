"""fsspec access to an alias: ``storage_options``, a ready filesystem, the ``grenier://`` protocol.

``storage_options(alias)`` gives the keyword arguments that plain s3fs, ``xr.open_zarr(...,
storage_options=...)`` and Dask code need. ``GrenierFileSystem`` is s3fs with the endpoint and keys
taken from an alias named in the URL, so ``xr.open_zarr("grenier://ALIAS/bucket/x.zarr")`` works
once ``grenier.datasets`` is imported (or through the ``fsspec.specs`` entry point).
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

import s3fs

from grenier.client import tls
from grenier.client.config import Alias, get_alias
from grenier.datasets.paths import PROTOCOL, DatasetPath

#: Parallel requests per filesystem: chunk writes and reads are small and many.
MAX_CONNECTIONS = 64


def resolve_alias(alias: str | Alias) -> Alias:
    return alias if isinstance(alias, Alias) else get_alias(alias)


def storage_options(alias: str | Alias, *, anonymous: bool = False) -> dict[str, Any]:
    """s3fs keyword arguments for an alias (its keys, or anonymous when asked or keyless).

    For speed on large chunk transfers the body is neither hashed for the signature
    (UNSIGNED-PAYLOAD; headers are still signed) nor checksummed unless the server requires it (the
    server keeps its own checksums); use https for transfers across untrusted networks. The
    connection pool is sized for many concurrent chunk requests.
    """
    resolved = resolve_alias(alias)
    options: dict[str, Any] = {
        "endpoint_url": resolved.url,
        "client_kwargs": {"region_name": resolved.region, "verify": tls.verify()},
        "config_kwargs": {
            "max_pool_connections": MAX_CONNECTIONS,
            "s3": {"addressing_style": "path", "payload_signing_enabled": False},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        },
        "max_concurrency": 1,  # one GET per chunk: no HEAD to size the object first
    }
    if anonymous or resolved.anonymous:
        options["anon"] = True
    else:
        options["key"] = resolved.access_key
        options["secret"] = resolved.secret_key
    return options


def filesystem(
    alias: str | Alias, *, anonymous: bool = False, asynchronous: bool = False
) -> s3fs.S3FileSystem:
    """A ready s3fs filesystem for an alias; paths are ``bucket/key``.

    Asynchronous instances (for zarr stores) are closed at interpreter exit.
    """
    fs = s3fs.S3FileSystem(asynchronous=asynchronous, **storage_options(alias, anonymous=anonymous))
    if asynchronous:
        _OPEN_ASYNC.add(fs)
    return fs


_OPEN_ASYNC: weakref.WeakSet[s3fs.S3FileSystem] = weakref.WeakSet()


@atexit.register
def _close_async_sessions() -> None:
    """Close the aiobotocore sessions zarr opened on its loop (no 'Unclosed' noise at exit)."""
    from zarr.core.sync import sync

    for fs in list(_OPEN_ASYNC):
        client = getattr(fs, "_s3", None)
        if client is not None:
            try:
                sync(client.close(), timeout=5)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass


class GrenierFileSystem(s3fs.S3FileSystem):
    """s3fs for ``grenier://ALIAS/bucket/key`` URLs; the alias supplies endpoint and keys.

    The alias is resolved when the URL is parsed, so the resolved options (not the alias name)
    key fsspec's instance cache and travel with the filesystem when Dask pickles it: workers need
    no alias configuration of their own.
    """

    protocol = (PROTOCOL,)

    def __init__(self, alias: str | None = None, anonymous: bool = False, **kwargs: Any) -> None:
        if alias is not None and "endpoint_url" not in kwargs:
            kwargs = {**storage_options(alias, anonymous=anonymous), **kwargs}
        super().__init__(**kwargs)
        self.alias = alias

    @classmethod
    def _strip_protocol(cls, path: str | list[str]) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        if path.startswith(f"{PROTOCOL}://"):
            return DatasetPath.parse(path, need_key=False).s3_path
        return super()._strip_protocol(path)

    @staticmethod
    def _get_kwargs_from_urls(urlpath: str) -> dict[str, Any]:
        if not urlpath.startswith(f"{PROTOCOL}://"):
            return {}
        alias = DatasetPath.parse(urlpath, need_key=False).alias
        return {"alias": alias, **storage_options(alias)}

    def unstrip_protocol(self, name: str) -> str:
        return f"{PROTOCOL}://{self.alias}/{name}" if self.alias else f"s3://{name}"


def register() -> None:
    """Make ``grenier://`` known to fsspec (idempotent)."""
    import fsspec

    fsspec.register_implementation(PROTOCOL, "grenier.datasets.fs.GrenierFileSystem", clobber=True)
