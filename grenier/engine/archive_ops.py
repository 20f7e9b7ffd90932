"""Archive buckets in the engine interface: a directory tree served read-only in place.

An archive bucket is a bucket row whose config holds ``{"archive": {"path": ...}}``, so
that everything kept per bucket (policy, CORS, tags, ACL) works as on any bucket. Its
objects are not rows of ``objects``: reads of such a bucket are answered from the tree
(:mod:`grenier.engine.archive_paths`), listings from its catalogue
(:mod:`grenier.engine.archive_catalog`), and keys under ``X.nc.zarr/`` or a declared
aggregation from virtual Zarr stores (:mod:`grenier.engine.archive_stores`) — the reads
are in :mod:`grenier.engine.archive_reads`. Every write of an object is refused with
AccessDenied (here).

Set-up, in two steps: :meth:`ArchiveOps.configure_archives` once at start-up (creates,
re-points or removes the bucket rows: an archive exists while the server is started with
it), then :meth:`ArchiveOps.attach_archives` in every worker (opens the roots).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from grenier.engine import archive_catalog as catalog
from grenier.engine import buckets
from grenier.engine.archive_catalog import ArchiveStatus
from grenier.engine.archive_paths import open_root
from grenier.engine.archive_reads import ArchiveReads
from grenier.engine.archive_stores import Archive
from grenier.engine.errors import EngineError, no_such_bucket
from grenier.engine.ingest import Body, Digest
from grenier.engine.model import DeleteOutcome, ObjectVersion, Upload
from grenier.engine.reading import OpenedObject


def archive_refused(bucket: str) -> EngineError:
    return EngineError("AccessDenied", f"{bucket} is a read-only archive bucket", bucket=bucket)


class ArchiveOps(ArchiveReads):
    # -- set-up ------------------------------------------------------------------------------

    def configure_archives(self, archives: Mapping[str, str], owner: str) -> list[str]:
        """Make the index match the configured archives (start-up, one process): bucket
        rows created or re-pointed, rows of archives no longer configured removed with
        their catalogue. EngineError(BucketAlreadyExists) when a configured name is a
        bucket of objects. ``owner``: the canonical ID of the account new archive buckets
        belong to. Returns what changed, for the log."""
        self.committer.run(lambda c: [c.execute(s) for s in catalog.DDL.split(";") if s.strip()])
        notes: list[str] = []
        for bucket in self.list_buckets():
            if "archive" in bucket.config and bucket.name not in archives:
                self.committer.run(lambda c, n=bucket.name: _txn_drop(c, n))  # type: ignore[misc]
                notes.append(f"archive bucket {bucket.name} is no longer configured: removed")
        for name, path in archives.items():
            self.committer.run(lambda c, n=name, p=path: _txn_archive(c, n, p, owner))  # type: ignore[misc]
        return notes

    def attach_archives(self, archives: Mapping[str, str]) -> None:
        """Open every archive's root in this process (after :meth:`configure_archives`)."""
        (self.root / "archives").mkdir(exist_ok=True)
        for name, path in archives.items():
            self._archives[name] = Archive(
                name, path, open_root(path), lambda: self.reader, self.committer.submit
            )

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
        root = os.dup(arch.root_fd)  # its own: close() may close the archive's meanwhile
        try:
            catalog.scan(self.committer.submit, arch.name, root, self._closing.is_set)
        finally:
            os.close(root)
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


def _txn_archive(conn: Any, name: str, path: str, owner: str) -> None:
    """Create the archive's bucket, or re-point it; refuse a bucket of objects."""
    config = {"archive": {"path": path}}
    try:
        current = buckets.get(conn, name)
    except EngineError:
        buckets.txn_create(conn, name, owner, config)
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
