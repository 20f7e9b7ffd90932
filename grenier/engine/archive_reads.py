"""Reads of archive buckets: objects from the tree, listings from the catalogue, and
virtual Zarr keys from the stores (:mod:`grenier.engine.archive_ops` tells the whole).

``get_object``, ``open_object``, ``list_objects`` and ``list_versions`` answer archive
buckets here and every other bucket as before (``super()``): one dictionary look-up per
call on the way.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import threading
from typing import Any

from grenier.engine import archive_catalog as catalog
from grenier.engine import archive_refs as references
from grenier.engine import archive_virtual as virtual
from grenier.engine import listing
from grenier.engine.archive_paths import NotAFile, open_file
from grenier.engine.archive_stores import Archive, Stores
from grenier.engine.errors import EngineError, no_such_bucket, no_such_key
from grenier.engine.model import NULL_VERSION, ListEntry, ListPage, ObjectVersion, Segment
from grenier.engine.ops_multipart import MultipartOps
from grenier.engine.reading import OpenedObject

CONTENT_TYPES = {
    ".nc": "application/x-netcdf",
    ".nc4": "application/x-netcdf",
    ".cdf": "application/x-netcdf",
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".he5": "application/x-hdf5",
    ".yaml": "application/yaml",
}


def content_type(key: str) -> str:
    ext = os.path.splitext(key)[1].lower()
    return CONTENT_TYPES.get(ext) or mimetypes.guess_type(key)[0] or "binary/octet-stream"


class ArchiveReads(MultipartOps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._archives: dict[str, Archive] = {}
        self._stores = Stores()
        self._closing = threading.Event()

    def is_archive(self, bucket: str) -> bool:
        return bucket in self._archives

    def _archive(self, name: str) -> Archive:
        arch = self._archives.get(name)
        if arch is None:
            raise no_such_bucket(name)
        return arch

    # -- reads -------------------------------------------------------------------------------

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        arch = self._archives.get(bucket)
        if arch is None:
            return super().get_object(bucket, key, version_id)
        with self._open(arch, key, version_id) as opened:
            return opened.version

    def open_object(self, bucket: str, key: str, version_id: str | None = None) -> OpenedObject:
        arch = self._archives.get(bucket)
        if arch is None:
            return super().open_object(bucket, key, version_id)
        return self._open(arch, key, version_id)

    async def prepare_archive_read(
        self, bucket: str, key: str, *, for_listing: bool = False
    ) -> None:
        """Build (on a worker thread) the virtual store that ``key`` — or a listing's
        prefix — falls in, so that the read that follows does not block the event loop."""
        arch = self._archives.get(bucket)
        if arch is None or ".zarr/" not in key:
            return
        fresh = for_listing or _is_document(key)
        if not fresh and self._stores.peek(arch, key):
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, lambda: self._stores.find(arch, key, fresh=fresh))
        except ImportError:
            pass  # answered by the read itself

    def _open(self, arch: Archive, key: str, version_id: str | None) -> OpenedObject:
        if version_id not in (None, NULL_VERSION):
            raise EngineError("NoSuchVersion", key=key, version_id=version_id or "")
        try:
            fd, st = open_file(arch.root_fd, key)
        except NotAFile:
            self._noticed(arch, key, None)
            return self._open_virtual(arch, key)
        self._noticed(arch, key, st)
        version = self._version(arch, key, st.st_size, catalog.stat_etag(st), st.st_mtime)
        version.meta["content-type"] = content_type(key)
        version.segments = [Segment("", st.st_size)]
        return OpenedObject(version, [fd])

    def _open_virtual(self, arch: Archive, key: str, retry: bool = True) -> OpenedObject:
        try:
            found = self._stores.find(arch, key, fresh=not _is_chunk(key))
        except ImportError:
            raise EngineError("NotImplemented", references.EXTRA_HINT) from None
        if found is None:
            raise no_such_key(key)
        store, name = found
        if store.error:
            raise EngineError("NotImplemented", f"virtual Zarr: {store.error}")
        entry = store.entries.get(name)
        if entry is None:
            raise no_such_key(key)
        if isinstance(entry, bytes):
            version = self._version(
                arch, key, len(entry), virtual.document_etag(entry), store.mtime
            )
            version.inline = entry
            version.meta["content-type"] = (
                "application/json" if _is_document(name) else "binary/octet-stream"
            )
            return OpenedObject(version)
        try:
            fd, st = open_file(arch.root_fd, entry.key)
        except NotAFile:
            fd, st = -1, None
        if st is None or catalog.file_stamp(st) != store.members.get(entry.key):
            if fd >= 0:
                os.close(fd)
            self._stores.forget(arch, key[: len(key) - len(name) - 1])
            if retry:
                return self._open_virtual(arch, key, retry=False)
            raise no_such_key(key)
        if entry.offset < 0 or entry.length < 0 or entry.offset + entry.length > st.st_size:
            os.close(fd)
            raise EngineError(
                "NotImplemented",
                f"virtual Zarr: {key} points past the end of {entry.key} (a damaged file?)",
            )
        version = self._version(
            arch, key, entry.length, virtual.chunk_etag(catalog.stat_etag(st), entry), st.st_mtime
        )
        version.meta["content-type"] = "binary/octet-stream"
        version.segments = [Segment("", entry.length, entry.offset)]
        return OpenedObject(version, [fd])

    def _version(
        self, arch: Archive, key: str, size: int, etag: str, mtime: float
    ) -> ObjectVersion:
        return ObjectVersion(
            bucket=arch.name,
            key=key,
            version_id=NULL_VERSION,
            is_latest=True,
            delete_marker=False,
            size=size,
            etag=etag,
            last_modified=mtime,
            meta={},
            bucket_versioning="",
        )

    def _noticed(self, arch: Archive, key: str, st: os.stat_result | None) -> None:
        """Bring the catalogue row of ``key`` in line with what a read found."""
        row = catalog.file_row(self.reader, arch.name, key)
        if st is None and row is None:
            return
        if st is not None and row is not None and row.matches(st):
            return
        arch.submit(lambda c: catalog.txn_note_file(c, arch.name, key, st))

    # -- listings ----------------------------------------------------------------------------

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        arch = self._archives.get(bucket)
        if arch is None:
            return super().list_objects(
                bucket, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
            )
        virtual_page = self._list_virtual(arch, prefix, delimiter, marker, max_keys)
        if virtual_page is not None:
            return virtual_page
        found = catalog.status(self.reader, arch.name, False)
        if found is None or not found.ready:
            raise EngineError(
                "ServiceUnavailable",
                f"the catalogue of archive {bucket} is being built; retry in a moment",
            )
        return listing.list_current(
            self.reader,
            arch.name,
            prefix=prefix,
            delimiter=delimiter,
            marker=marker,
            max_keys=max_keys,
            sql=catalog.LIST_SQL,
        )

    def list_versions(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        if bucket not in self._archives:
            return super().list_versions(
                bucket,
                prefix=prefix,
                delimiter=delimiter,
                key_marker=key_marker,
                version_id_marker=version_id_marker,
                max_keys=max_keys,
            )
        page = self.list_objects(
            bucket, prefix=prefix, delimiter=delimiter, marker=key_marker, max_keys=max_keys
        )
        if page.is_truncated:
            page.next_version_id = NULL_VERSION
        return page

    def _list_virtual(
        self, arch: Archive, prefix: str, delimiter: str, marker: str, max_keys: int
    ) -> ListPage | None:
        """A listing inside a virtual store (``prefix`` under ``X.zarr/``), unless real
        files are catalogued there."""
        start = prefix.find(".zarr/")
        if start < 0:
            return None
        base = prefix[: start + 6]
        if catalog.has_prefix(self.reader, arch.name, base):
            return None
        try:
            store = self._stores.get(arch, base[:-1], fresh=True)
        except ImportError:
            raise EngineError("NotImplemented", references.EXTRA_HINT) from None
        if store is None:
            return None
        if store.error:
            raise EngineError("NotImplemented", f"virtual Zarr: {store.error}")

        def entry_of(name: str) -> ListEntry:
            value = store.entries[name]
            if isinstance(value, bytes):
                return ListEntry(base + name, len(value), virtual.document_etag(value), store.mtime)
            stamp = store.members.get(value.key, "0:0:0")
            etag = virtual.chunk_etag(catalog.stamp_etag(stamp), value)
            return ListEntry(base + name, value.length, etag, int(stamp.rsplit(":", 1)[1]) / 1e9)

        return virtual.list_keys(
            store.keys,
            base,
            entry_of,
            prefix=prefix,
            delimiter=delimiter,
            marker=marker,
            max_keys=max_keys,
            encoded=store.encoded,
        )


def _is_document(name: str) -> bool:
    """Metadata keys: reading one re-checks the store against its files."""
    return name.rsplit("/", 1)[-1] in (".zgroup", ".zattrs", ".zarray", ".zmetadata", "zarr.json")


def _is_chunk(key: str) -> bool:
    return not _is_document(key)
