"""Object operations of the engine interface: write, copy, delete, read, list, annotate.

Every write follows intent → data → verify → commit: the body (or the copy) becomes
durable data files first (:mod:`grenier.engine.ingest`, :mod:`grenier.engine.copying`),
then one index transaction makes the new version visible (conditions, versioning,
quota and usage checked inside it), and the caller is answered after the commit. Files
of a refused transaction are removed at once; files of a crashed one by the next
start's recovery.
"""

from __future__ import annotations

import asyncio
from typing import Any

from grenier.engine import copying, listing, objects
from grenier.engine.errors import EngineError
from grenier.engine.files import disk_full_refused
from grenier.engine.ingest import Body, Digest, ingest
from grenier.engine.model import (
    DeleteOutcome,
    ListPage,
    NewObject,
    ObjectVersion,
    Segment,
    Staged,
    WriteConditions,
)
from grenier.engine.ops_buckets import BucketOps
from grenier.engine.reading import OpenedObject, open_version


def segments_of(staged: Staged) -> list[Segment]:
    return [Segment(staged.file, staged.size)] if staged.file else []


class ObjectOps(BucketOps):
    # -- reads (on the caller's thread) -----------------------------------------------
    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectVersion:
        """The latest version (or one version) with its bucket's versioning state.
        NoSuchBucket / NoSuchKey / NoSuchVersion; a latest delete marker reads as
        NoSuchKey with ``delete_marker`` and ``version_id`` details; a delete marker
        asked for by version id is returned (``delete_marker`` set)."""
        return objects.get(self.reader, bucket, key, version_id)

    def open_object(self, bucket: str, key: str, version_id: str | None = None) -> OpenedObject:
        """:meth:`get_object` plus its data files, opened now: a concurrent overwrite
        cannot pull the bytes away. Close the result (a context manager)."""
        reader = self.reader
        return open_version(
            lambda: objects.get(reader, bucket, key, version_id), self.files.path_str
        )

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        marker: str = "",
        max_keys: int = 1000,
    ) -> ListPage:
        """Current versions in key (byte) order after ``marker``; with a delimiter, one
        common prefix per group. ``next_key`` continues a truncated page."""
        self.get_bucket(bucket)
        return listing.list_current(
            self.reader,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            marker=marker,
            max_keys=max_keys,
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
        """Every version and delete marker, key order then newest first."""
        self.get_bucket(bucket)
        return listing.list_versions(
            self.reader,
            bucket,
            prefix=prefix,
            delimiter=delimiter,
            key_marker=key_marker,
            version_id_marker=version_id_marker,
            max_keys=max_keys,
        )

    # -- writes -----------------------------------------------------------------------
    async def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        *,
        meta: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        cond: WriteConditions | None = None,
    ) -> ObjectVersion:
        """Store ``body`` as the new current version of ``key`` (PutObject, POST)."""
        self.check_space()
        staged = await ingest(self.files, body, self.config.inline_limit)
        new = NewObject(meta=meta or {}, tags=tags or {})
        segments = segments_of(staged)
        return await self._commit(
            lambda c: objects.txn_put(c, bucket, key, staged, segments, new, cond),
            files=[s.file for s in segments],
            key=key,
            adds_data=True,
        )

    async def copy_object(
        self,
        source: OpenedObject,
        bucket: str,
        key: str,
        *,
        meta: dict[str, Any],
        tags: dict[str, str],
        cond: WriteConditions | None = None,
        checksum: tuple[str, Digest] | None = None,
    ) -> ObjectVersion:
        """A new version of ``key`` with the bytes, ETag, checksums and part layout of an
        opened source (which the caller closes). ``checksum``: an algorithm the source
        has no checksum for, and a fresh digest to compute it with."""
        self.check_space()
        src = source.version
        loop = asyncio.get_running_loop()
        checksums = dict(src.checksums)
        if checksum is not None:
            alg, digest = checksum
            checksums = {alg: await loop.run_in_executor(None, copying.checksum_of, source, digest)}
        segments: list[Segment] = []
        if src.segments:
            with disk_full_refused():
                segments = await loop.run_in_executor(
                    None, copying.link_segments, self.files, source
                )
        staged = Staged(size=src.size, md5_hex=src.etag, inline=src.inline, checksums=checksums)
        new = NewObject(
            meta=meta, tags=tags, etag=src.etag, checksums=checksums, parts=list(src.parts)
        )
        return await self._commit(
            lambda c: objects.txn_put(c, bucket, key, staged, segments, new, cond),
            files=[s.file for s in segments],
            key=key,
            adds_data=True,
        )

    async def delete_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> DeleteOutcome:
        """S3's DELETE: removes the version (unversioned bucket, or a version id), or
        adds a delete marker (Enabled: a new one; Suspended: the null one)."""
        return await self._commit(lambda c: objects.txn_delete(c, bucket, key, version_id), key=key)

    async def delete_objects(
        self, bucket: str, targets: list[tuple[str, str | None]]
    ) -> list[DeleteOutcome | EngineError]:
        """Several deletes submitted together (they share a few group commits); each
        item's outcome or refusal, in order."""
        self.get_bucket(bucket)
        results = await asyncio.gather(
            *(self.delete_object(bucket, key, vid) for key, vid in targets),
            return_exceptions=True,
        )
        out: list[DeleteOutcome | EngineError] = []
        for item in results:
            if isinstance(item, BaseException) and not isinstance(item, EngineError):
                raise item
            out.append(item)
        return out

    async def update_tags(
        self, bucket: str, key: str, version_id: str | None, tags: dict[str, str]
    ) -> ObjectVersion:
        """Replace one version's tag set (MethodNotAllowed on a delete marker)."""
        return await self._commit(
            lambda c: objects.txn_update_tags(c, bucket, key, version_id, tags)
        )

    async def update_meta(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        changes: dict[str, Any],
        expect_etag: str | None = None,
    ) -> ObjectVersion | None:
        """Set (value) or remove (None) metadata entries of one version in place (its
        canned ACL…). With ``expect_etag``: only if the version still has that ETag."""
        return await self._commit(
            lambda c: objects.txn_update_meta(c, bucket, key, version_id, changes, expect_etag)
        )
