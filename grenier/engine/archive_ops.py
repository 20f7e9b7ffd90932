"""Archive buckets in the engine interface: a directory tree served read-only in place.

An archive bucket is a bucket row whose config holds ``{"archive": {"path": ...}}``, so
that everything kept per bucket (policy, CORS, tags, ACL) works as on any bucket. Its
objects are not rows of ``objects``: reads of such a bucket are answered from the tree
(:mod:`grenier.engine.archive_paths`), listings from its catalogue
(:mod:`grenier.engine.archive_catalog`), and keys under ``X.nc.zarr/`` or a declared
aggregation from virtual Zarr stores (:mod:`grenier.engine.archive_stores`). Every write
of an object is refused with AccessDenied.

Set-up, in two steps: :meth:`ArchiveOps.configure_archives` once at start-up (creates,
re-points or removes the bucket rows: an archive exists while the server is started with
it), then :meth:`ArchiveOps.attach_archives` in every worker (opens the roots).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import mimetypes
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from grenier.engine import archive_catalog as catalog
from grenier.engine import archive_refs as references
from grenier.engine import archive_virtual as virtual
from grenier.engine import buckets
from grenier.engine.archive_catalog import ArchiveStatus
from grenier.engine.archive_paths import NotAFile, open_file, open_root
from grenier.engine.archive_stores import Archive, Stores
from grenier.engine.errors import EngineError, no_such_bucket, no_such_key
from grenier.engine.ingest import Body, Digest
from grenier.engine.model import (
    NULL_VERSION,
    DeleteOutcome,
    ListEntry,
    ListPage,
    ObjectVersion,
    Segment,
    Upload,
)
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


def archive_refused(bucket: str) -> EngineError:
    return EngineError("AccessDenied", f"{bucket} is a read-only archive bucket", bucket=bucket)


class ArchiveOps(MultipartOps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._archives: dict[str, Archive] = {}
        self._stores = Stores()
        self._closing = threading.Event()

    # -- set-up ------------------------------------------------------------------------------

    def configure_archives(self, archives: Mapping[str, str]) -> list[str]:
        """Make the index match the configured archives (start-up, one process): bucket
        rows created or re-pointed, rows of archives no longer configured removed with
        their catalogue. EngineError(BucketAlreadyExists) when a configured name is a
        bucket of objects. Returns what changed, for the log."""
        self.committer.run(lambda c: [c.execute(s) for s in catalog.DDL.split(";") if s.strip()])
        notes: list[str] = []
        for bucket in self.list_buckets():
            if "archive" in bucket.config and bucket.name not in archives:
                self.committer.run(lambda c, n=bucket.name: _txn_drop(c, n))  # type: ignore[misc]
                notes.append(f"archive bucket {bucket.name} is no longer configured: removed")
        for name, path in archives.items():
            self.committer.run(lambda c, n=name, p=path: _txn_archive(c, n, p))  # type: ignore[misc]
        return notes

    def attach_archives(self, archives: Mapping[str, str]) -> None:
        """Open every archive's root in this process (after :meth:`configure_archives`)."""
        (self.root / "archives").mkdir(exist_ok=True)
        for name, path in archives.items():
            self._archives[name] = Archive(
                name, path, open_root(path), lambda: self.reader, self.committer.submit
            )

    def is_archive(self, bucket: str) -> bool:
        return bucket in self._archives

    def close(self, *, clean: bool = True) -> None:
        self._closing.set()
        super().close(clean=clean)
        for arch in self._archives.values():
            os.close(arch.root_fd)
        self._archives.clear()

    # -- catalogue ---------------------------------------------------------------------------

    def archive_status(self, name: str) -> ArchiveStatus:
        arch = self._archive(name)
        found = catalog.status(self.reader, name, self._scanning(arch))
        if found is None:
            raise no_such_bucket(name)
        found.error = found.error or self._stores.declaration_error(arch)
        return found

    def archive_names(self) -> list[str]:
        return sorted(self._archives)

    async def request_rescan(self, name: str) -> ArchiveStatus:
        """Ask for a scan of the archive's tree: it starts now, or — when one is running,
        in any worker — right after it (``status.requested``; a scan that started at or
        after that time answers the request)."""
        self._archive(name)
        now = time.time()
        await self._commit(lambda c: catalog.txn_request(c, name, now))
        self.start_rescan(name)
        return self.archive_status(name)

    def start_rescan(self, name: str) -> bool:
        """Start a scan in the background unless one is running (in any worker: a scan
        holds the archive's lock file). Whether this call started one."""
        arch = self._archive(name)
        lock = self._try_lock(arch)
        if lock is None:
            return False
        threading.Thread(
            target=self._scan, args=(arch, lock), name=f"archive-scan-{name}", daemon=True
        ).start()
        return True

    def rescans_due(self, interval: float, since: float) -> list[str]:
        """Archives whose scan is due (:func:`grenier.engine.archive_catalog.due`)."""
        now = time.time()
        due = []
        for name in self._archives:
            found = catalog.status(self.reader, name, False)
            if found is not None and catalog.due(found, interval, since, now):
                due.append(name)
        return due

    def _scan(self, arch: Archive, lock: int) -> None:
        try:
            catalog.scan(self.committer.submit, arch.name, arch.root_fd, self._closing.is_set)
        finally:
            os.close(lock)

    def _lock_path(self, arch: Archive) -> str:
        return str(self.root / "archives" / f"{arch.name}.scan-lock")

    def _try_lock(self, arch: Archive) -> int | None:
        fd = os.open(self._lock_path(arch), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def _scanning(self, arch: Archive) -> bool:
        fd = self._try_lock(arch)
        if fd is None:
            return True
        os.close(fd)
        return False

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

    async def prepare_archive_read(self, bucket: str, key: str, *, listing: bool = False) -> None:
        """Build (on a worker thread) the virtual store that ``key`` — or a listing's
        prefix — falls in, so that the read that follows does not block the event loop."""
        arch = self._archives.get(bucket)
        if arch is None or ".zarr/" not in key:
            return
        fresh = listing or _is_document(key)
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
        from grenier.engine import listing

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
        )

    # -- writes: refused on archives ----------------------------------------------------------

    def _writable(self, bucket: str) -> None:
        if bucket in self._archives:
            raise archive_refused(bucket)

    async def put_object(self, bucket: str, key: str, body: Body, **kwargs: Any) -> ObjectVersion:
        self._writable(bucket)
        return await super().put_object(bucket, key, body, **kwargs)

    async def copy_object(
        self, source: OpenedObject, bucket: str, key: str, **kwargs: Any
    ) -> ObjectVersion:
        """An archive source is copied byte by byte (its file is not the engine's to
        link), with a fresh MD5 for the new object's ETag."""
        self._writable(bucket)
        if source.version.bucket not in self._archives:
            return await super().copy_object(source, bucket, key, **kwargs)
        checksum = kwargs.pop("checksum", None)
        hasher = _CopyHasher(checksum)
        body = Body(source.iter_range(0, source.version.size), hasher, hasher.checksums)
        meta = kwargs.pop("meta")
        return await self.put_object(bucket, key, body, meta=meta, **kwargs)

    async def delete_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> DeleteOutcome:
        self._writable(bucket)
        return await super().delete_object(bucket, key, version_id)

    async def delete_objects(
        self, bucket: str, targets: list[tuple[str, str | None]]
    ) -> list[DeleteOutcome | EngineError]:
        self._writable(bucket)
        return await super().delete_objects(bucket, targets)

    async def update_tags(
        self, bucket: str, key: str, version_id: str | None, tags: dict[str, str]
    ) -> ObjectVersion:
        self._writable(bucket)
        return await super().update_tags(bucket, key, version_id, tags)

    async def update_meta(
        self, bucket: str, key: str, *args: Any, **kwargs: Any
    ) -> ObjectVersion | None:
        self._writable(bucket)
        return await super().update_meta(bucket, key, *args, **kwargs)

    async def create_upload(self, bucket: str, key: str, *args: Any, **kwargs: Any) -> Upload:
        self._writable(bucket)
        return await super().create_upload(bucket, key, *args, **kwargs)

    async def delete_bucket(self, name: str) -> None:
        self._writable(name)
        await super().delete_bucket(name)


class _CopyHasher:
    """MD5 of a copied archive file, and the checksum the copy asked for."""

    def __init__(self, checksum: tuple[str, Digest] | None) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._checksum = checksum

    def update_md5(self, data: bytes) -> None:
        self._md5.update(data)

    def update_other(self, data: bytes) -> None:
        if self._checksum is not None:
            self._checksum[1].update(data)

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    def checksums(self) -> dict[str, str]:
        if self._checksum is None:
            return {}
        return {self._checksum[0]: self._checksum[1].b64digest()}


def _is_document(name: str) -> bool:
    """Metadata keys: reading one re-checks the store against its files."""
    return name.rsplit("/", 1)[-1] in (".zgroup", ".zattrs", ".zarray", ".zmetadata", "zarr.json")


def _is_chunk(key: str) -> bool:
    return not _is_document(key)


def _txn_archive(conn: Any, name: str, path: str) -> None:
    """Create the archive's bucket, or re-point it; refuse a bucket of objects."""
    config = {"archive": {"path": path}}
    try:
        current = buckets.get(conn, name)
    except EngineError:
        buckets.txn_create(conn, name, "root", config)
    else:
        if "archive" not in current.config:
            raise EngineError(
                "BucketAlreadyExists", f"bucket {name} exists and is not an archive", bucket=name
            )

        def repoint(b: Any) -> None:
            b.config["archive"] = {"path": path}

        buckets.txn_update(conn, name, repoint)
    catalog.txn_register(conn, name, path)


def _txn_drop(conn: Any, name: str) -> None:
    buckets.txn_delete(conn, name)
    catalog.txn_forget(conn, name)
