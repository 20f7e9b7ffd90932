"""A zarr store over s3fs that makes overwrites safe for readers (see docs/datasets.md).

Three things on top of zarr's ``FsspecStore``:

* **generation tags** — every chunk written carries ``x-amz-meta-grenier-generation``; the
  dataset's root metadata names the current generation (attribute ``grenier_generation``).
* **metadata last** — while ``staged``, metadata writes are held in memory and only written by
  ``commit()``, array metadata first and the root (consolidated) metadata last, so readers switch
  from the old generation to the new one in a single PUT.
* **checked reads** — a reader learns the generation from the root metadata it opened; a chunk
  tagged with another generation, or a chunk gone while the root now names another generation,
  raises ``DatasetChangedError`` instead of returning mixed or fill-value data.

Chunks are read with one GET each (no HEAD to size them first).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import json
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

from zarr.abc.store import ByteRequest
from zarr.core.buffer import Buffer, BufferPrototype
from zarr.core.sync import sync
from zarr.storage import FsspecStore
from zarr.storage._common import _dereference_path

METADATA_NAMES = frozenset({"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"})
#: Root metadata keys in commit order: the one consolidated readers open is written last.
ROOT_ORDER = (".zgroup", ".zattrs", "zarr.json", ".zmetadata")
TAG = "grenier-generation"
GENERATION_ATTR = "grenier_generation"
COMMIT_CONCURRENCY = 32


class DatasetChangedError(RuntimeError):
    """The dataset was overwritten after this reader opened it; reopen it."""


@contextlib.contextmanager
def quiet_consolidated() -> Iterator[None]:
    """Silence zarr's notice that v3 consolidated metadata is not in the spec yet (we rely on it:
    zarr-python and xarray read it, other readers fall back to the arrays' own metadata)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        yield


def is_metadata_key(key: str) -> bool:
    return key.rsplit("/", 1)[-1] in METADATA_NAMES


def generation_of(key: str, raw: bytes) -> str | None:
    """The generation a root metadata document names, if any."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    if key == "zarr.json":
        doc = doc.get("attributes", {})
    elif key == ".zmetadata":
        doc = doc.get("metadata", {}).get(".zattrs", {})
    value = doc.get(GENERATION_ATTR) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def with_generation(key: str, raw: bytes, generation: str) -> bytes:
    """A root metadata document with the generation attribute set."""
    doc = json.loads(raw)
    if key == "zarr.json":
        doc.setdefault("attributes", {})[GENERATION_ATTR] = generation
    elif key == ".zmetadata":
        doc.setdefault("metadata", {}).setdefault(".zattrs", {})[GENERATION_ATTR] = generation
    elif key == ".zattrs":
        doc[GENERATION_ATTR] = generation
    return json.dumps(doc, indent=2, sort_keys=key == ".zmetadata").encode()


class GenerationStore(FsspecStore):
    """``FsspecStore`` with generation tags, staged metadata and checked reads."""

    def __init__(
        self,
        fs: Any,
        read_only: bool = False,
        path: str = "/",
        *,
        generation: str | None = None,
        staged: bool = False,
        fresh: bool = False,
        check: bool = True,
        label: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(fs, read_only=read_only, path=path, **kwargs)
        self.generation = generation
        self.staged = staged
        self.fresh = fresh
        self.check = check
        self.label = label or path
        self.expected: str | None = None
        self.pending: dict[str, bytes] = {}

    def with_read_only(self, read_only: bool = False) -> GenerationStore:
        clone = GenerationStore(
            self.fs,
            read_only=read_only,
            path=self.path,
            generation=self.generation,
            staged=self.staged,
            fresh=self.fresh,
            check=self.check,
            label=self.label,
            allowed_exceptions=self.allowed_exceptions,
        )
        clone.pending = self.pending
        clone.expected = self.expected
        return clone

    def __repr__(self) -> str:
        return f"<GenerationStore {self.label}>"

    # -- reads ------------------------------------------------------------------------------

    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        if self.staged and is_metadata_key(key):
            if key in self.pending:
                return prototype.buffer.from_bytes(self.pending[key])
            if self.fresh:
                return None
        if byte_range is not None:
            return await super().get(key, prototype, byte_range)
        found = await self._get_object(key)
        if found is None:
            if not is_metadata_key(key):
                await self._check_not_replaced(key)
            return None
        data, tag = found
        if key in ROOT_ORDER and self.check and self.expected is None:
            self.expected = generation_of(key, data)
        if tag and self.check and self.expected and tag != self.expected:
            raise DatasetChangedError(
                f"{self.label} was overwritten after it was opened "
                f"(chunk {key} belongs to generation {tag}, not {self.expected}); reopen it"
            )
        return prototype.buffer.from_bytes(data)

    async def _get_object(self, key: str) -> tuple[bytes, str | None] | None:
        bucket, name, _ = self.fs.split_path(_dereference_path(self.path, key))
        try:
            resp = await self.fs._call_s3("get_object", Bucket=bucket, Key=name)
        except self.allowed_exceptions:
            return None
        try:
            data = await resp["Body"].read()
        finally:
            resp["Body"].close()
        return data, resp.get("Metadata", {}).get(TAG)

    async def _check_not_replaced(self, key: str) -> None:
        """A chunk is missing: legitimate (never written) unless the dataset was replaced."""
        if not (self.check and self.expected):
            return
        for root in ("zarr.json", ".zmetadata", ".zattrs"):
            found = await self._get_object(root)
            if found is not None:
                current = generation_of(root, found[0])
                if current != self.expected:
                    raise DatasetChangedError(
                        f"{self.label} was overwritten after it was opened (chunk {key} is gone, "
                        f"generation {self.expected} replaced by {current}); reopen it"
                    )
                return
        raise DatasetChangedError(f"{self.label} was deleted after it was opened")

    async def exists(self, key: str) -> bool:
        if self.staged and is_metadata_key(key):
            if key in self.pending:
                return True
            if self.fresh:
                return False
        return await super().exists(key)

    # -- writes -----------------------------------------------------------------------------

    async def set(self, key: str, value: Buffer, byte_range: tuple[int, int] | None = None) -> None:
        if not self._is_open:
            await self._open()
        self._check_writable()
        if self.staged and is_metadata_key(key):
            self.pending[key] = value.to_bytes()
            return
        extra = {"Metadata": {TAG: self.generation}} if self.generation else {}
        await self.fs._pipe_file(_dereference_path(self.path, key), value.to_bytes(), **extra)

    async def delete(self, key: str) -> None:
        if self.staged and is_metadata_key(key):
            self.pending.pop(key, None)
        if not self.fresh:
            await super().delete(key)

    async def delete_dir(self, prefix: str) -> None:
        if self.staged:
            folder = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
            self.pending = {k: v for k, v in self.pending.items() if not k.startswith(folder)}
        if not self.fresh:  # an overwrite never deletes the generation readers still use
            await super().delete_dir(prefix)

    async def clear(self) -> None:
        if self.staged:
            self.pending.clear()
        if not self.fresh:
            await super().clear()

    # -- listing (the staged hierarchy overlays, or for a fresh write replaces, the stored one) --

    def _pending_children(self, prefix: str) -> builtins.set[str]:
        start = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
        return {k[len(start) :].split("/", 1)[0] for k in self.pending if k.startswith(start)}

    async def list_dir(self, prefix: str) -> AsyncIterator[str]:
        seen = self._pending_children(prefix) if self.staged else set()
        for name in sorted(seen):
            yield name
        if self.fresh:
            return
        async for name in super().list_dir(prefix):
            if name not in seen:
                yield name

    async def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        seen = {k for k in self.pending if k.startswith(prefix)} if self.staged else set()
        for key in sorted(seen):
            yield key
        if self.fresh:
            return
        async for key in super().list_prefix(prefix):
            if key not in seen:
                yield key

    async def list(self) -> AsyncIterator[str]:
        async for key in self.list_prefix(""):
            yield key

    # -- commit -----------------------------------------------------------------------------

    async def commit_async(self) -> builtins.list[str]:
        """Write the held metadata, arrays first and the root last; return the keys written."""
        pending, self.pending = self.pending, {}
        self.staged = False
        if self.generation:
            for key in ("zarr.json", ".zmetadata", ".zattrs"):
                if key in pending:
                    pending[key] = with_generation(key, pending[key], self.generation)
        nested = [k for k in pending if "/" in k]
        gate = asyncio.Semaphore(COMMIT_CONCURRENCY)

        async def put(key: str) -> None:
            async with gate:
                await self.fs._pipe_file(_dereference_path(self.path, key), pending[key])

        await asyncio.gather(*(put(k) for k in nested))
        roots = [k for k in ROOT_ORDER if k in pending]
        for key in roots:
            await put(key)
        self.fresh = False
        return nested + roots

    def commit(self) -> builtins.list[str]:
        return sync(self.commit_async())
