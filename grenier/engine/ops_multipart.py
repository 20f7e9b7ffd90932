"""Multipart operations of the engine interface: create, upload (or copy) parts,
complete without copying bytes, abort, list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from grenier.engine import copying, multipart
from grenier.engine.files import disk_full_refused
from grenier.engine.ingest import Body, ingest
from grenier.engine.model import (
    CompletedPart,
    ObjectVersion,
    Part,
    Staged,
    Upload,
    WriteConditions,
)
from grenier.engine.ops_objects import ObjectOps
from grenier.engine.reading import OpenedObject

EtagOf = Callable[[list[Part]], str]
ChecksumsOf = Callable[[Upload, list[Part]], dict[str, str]]


class MultipartOps(ObjectOps):
    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload:
        """NoSuchUpload unless ``upload_id`` is an incomplete upload of this key."""
        return multipart.get_upload(self.reader, bucket, key, upload_id)

    def list_parts(self, upload_id: str, marker: int = 0, limit: int = 1000) -> list[Part]:
        return multipart.list_parts(self.reader, upload_id, marker, limit)

    def list_uploads(
        self,
        bucket: str,
        *,
        prefix: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        limit: int = 1000,
    ) -> list[Upload]:
        """Incomplete uploads in key order, oldest first per key (up to ``limit`` + 1)."""
        self.get_bucket(bucket)
        return multipart.list_uploads(
            self.reader,
            bucket,
            prefix=prefix,
            key_marker=key_marker,
            upload_id_marker=upload_id_marker,
            limit=limit,
        )

    async def create_upload(
        self,
        bucket: str,
        key: str,
        meta: dict[str, Any],
        checksum_algorithm: str | None = None,
        checksum_type: str | None = None,
    ) -> Upload:
        """A new incomplete upload; ``meta`` (``{"meta": …, "tags": …}``) is what the
        completed object will carry."""
        return await self._commit(
            lambda c: multipart.txn_create(c, bucket, key, meta, checksum_algorithm, checksum_type)
        )

    async def upload_part(
        self, bucket: str, key: str, upload_id: str, number: int, body: Body
    ) -> Part:
        """Store part ``number`` (replacing an earlier one): always its own data file."""
        self.check_space()
        staged = await ingest(self.files, body, -1)
        return await self._put_part(bucket, key, upload_id, number, staged)

    async def upload_part_copy(
        self,
        source: OpenedObject,
        start: int,
        length: int,
        bucket: str,
        key: str,
        upload_id: str,
        number: int,
    ) -> Part:
        """Part ``number`` made of ``length`` bytes of an opened source from ``start``."""
        self.check_space()
        loop = asyncio.get_running_loop()
        with disk_full_refused():
            staged = await loop.run_in_executor(
                None, copying.copy_range, self.files, source, start, length
            )
        return await self._put_part(bucket, key, upload_id, number, staged)

    async def _put_part(
        self, bucket: str, key: str, upload_id: str, number: int, staged: Staged
    ) -> Part:
        return await self._commit(
            lambda c: multipart.txn_put_part(c, bucket, key, upload_id, number, staged),
            files=[staged.file] if staged.file else [],
            key=key,
            adds_data=True,
        )

    async def complete_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        requested: list[CompletedPart],
        etag_of: EtagOf,
        checksums_of: ChecksumsOf,
        cond: WriteConditions | None = None,
    ) -> tuple[ObjectVersion, Upload]:
        """The upload becomes an object version whose segments are the chosen parts'
        files (no bytes are copied). ``etag_of`` / ``checksums_of`` compute the
        protocol's multipart ETag and checksums from the chosen parts."""
        obj, upload, _chosen = await self._commit(
            lambda c: multipart.txn_complete(
                c, bucket, key, upload_id, requested, etag_of, checksums_of, cond
            ),
            key=key,
        )
        return obj, upload

    async def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        await self._commit(lambda c: multipart.txn_abort(c, bucket, key, upload_id))
