"""Bucket operations of the engine interface: create, delete, configure, read, quotas."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from grenier.engine import buckets, multipart, objects
from grenier.engine.base import EngineBase
from grenier.engine.errors import EngineError
from grenier.engine.model import NULL_VERSION, Bucket

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def valid_bucket_name(name: str) -> bool:
    """S3's general-purpose bucket naming rules."""
    if not BUCKET_NAME.match(name) or IP_LIKE.match(name):
        return False
    if ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        return False
    return not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))


class BucketOps(EngineBase):
    def get_bucket(self, name: str) -> Bucket:
        """The bucket's current record (NoSuchBucket). Read-only: its ``config`` may be
        shared with other readers; change a bucket with :meth:`update_bucket`."""
        return buckets.get(self.reader, name)

    def list_buckets(self) -> list[Bucket]:
        return buckets.list_all(self.reader)

    async def create_bucket(
        self, name: str, owner: str, config: dict[str, Any] | None = None
    ) -> Bucket:
        """BucketAlreadyOwnedByYou / BucketAlreadyExists when the name is taken."""
        return await self._commit(lambda c: buckets.txn_create(c, name, owner, config or {}))

    async def delete_bucket(self, name: str) -> None:
        """BucketNotEmpty while any object version or delete marker remains; incomplete
        multipart uploads are aborted with it."""
        await self._commit(lambda c: buckets.txn_delete(c, name))

    async def update_bucket(self, name: str, update: Callable[[Bucket], None]) -> Bucket:
        """Change a bucket's versioning, quota or config in one transaction: ``update``
        gets a private copy of the record, changes it in place, or raises to refuse."""
        return await self._commit(lambda c: buckets.txn_update(c, name, update))

    def update_bucket_sync(self, name: str, update: Callable[[Bucket], None]) -> Bucket:
        """:meth:`update_bucket` for start-up code that runs outside the event loop (or
        before serving): blocks the calling thread until the change is committed."""
        bucket: Bucket = self.committer.submit(
            lambda c: buckets.txn_update(c, name, update)
        ).result()
        return bucket

    def check_room(
        self,
        bucket: Bucket,
        key: str | None,
        size: int | None,
        part: tuple[str, int] | None = None,
    ) -> None:
        """Refuse early (QuotaExceeded) a write of ``size`` bytes that cannot fit in the
        bucket's quota, before its body is received. Counts the space the write would
        free: the key's null version for an object, the replaced part for ``part``
        (upload id, number). The write's own transaction checks again: that is the
        check that holds under concurrency."""
        if bucket.quota is None or size is None:
            return
        room = bucket.quota - bucket.used
        if part is not None:
            room += multipart.part_size(self.reader, *part)
        elif bucket.versioning != "Enabled" and key is not None:
            old = objects.version(self.reader, bucket.name, key, NULL_VERSION)
            if old is not None:
                room += old.size
        if size > room:
            raise EngineError("QuotaExceeded", bucket=bucket.name)
