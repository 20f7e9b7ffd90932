"""Listing: remote objects (ListObjectsV2 / ListObjectVersions) and local trees, as Entries.

Both sides produce the same :class:`Entry` (key relative to the listed root, size, mtime,
etag), so ls/du/find/diff/mirror work on either side with one code path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grenier.client.errors import errors
from grenier.client.session import Session


@dataclass
class Entry:
    key: str
    size: int = 0
    mtime: datetime | None = None
    etag: str = ""
    is_dir: bool = False
    storage_class: str = ""
    version_id: str = ""
    is_latest: bool = True
    delete_marker: bool = False

    def name(self, root: str) -> str:
        """The key relative to ``root`` (a prefix ending in '/' or '')."""
        return self.key[len(root) :] if root and self.key.startswith(root) else self.key


def _etag(raw: str | None) -> str:
    return (raw or "").strip('"')


def list_buckets(session: Session) -> list[Entry]:
    with errors(f"list buckets on {session.name}"):
        resp = session.s3.list_buckets()
    return [Entry(key=b["Name"], mtime=b.get("CreationDate"), is_dir=True) for b in resp["Buckets"]]


def _object_entry(obj: dict[str, Any]) -> Entry:
    return Entry(
        key=obj["Key"],
        size=int(obj.get("Size", 0)),
        mtime=obj.get("LastModified"),
        etag=_etag(obj.get("ETag")),
        storage_class=obj.get("StorageClass", "") or "",
    )


def iter_objects(
    session: Session, bucket: str, prefix: str = "", *, recursive: bool = True
) -> Iterator[Entry]:
    """Objects under ``prefix`` (and, when not recursive, the 'folders' one level down)."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if not recursive:
        kwargs["Delimiter"] = "/"
    with errors(f"list {session.name}/{bucket}/{prefix}"):
        for page in session.s3.get_paginator("list_objects_v2").paginate(**kwargs):
            for cp in page.get("CommonPrefixes", []) or []:
                yield Entry(key=cp["Prefix"], is_dir=True)
            for obj in page.get("Contents", []) or []:
                yield _object_entry(obj)


def _version_entries(page: dict[str, Any]) -> Iterator[Entry]:
    for v in page.get("Versions", []) or []:
        entry = _object_entry(v)
        entry.version_id = v.get("VersionId", "") or ""
        entry.is_latest = bool(v.get("IsLatest"))
        yield entry
    for m in page.get("DeleteMarkers", []) or []:
        yield Entry(
            key=m["Key"],
            mtime=m.get("LastModified"),
            version_id=m.get("VersionId", "") or "",
            is_latest=bool(m.get("IsLatest")),
            delete_marker=True,
        )


def iter_versions(
    session: Session, bucket: str, prefix: str = "", *, recursive: bool = True
) -> Iterator[Entry]:
    """Every version and delete marker under ``prefix``, newest first per key."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if not recursive:
        kwargs["Delimiter"] = "/"
    with errors(f"list versions {session.name}/{bucket}/{prefix}"):
        for page in session.s3.get_paginator("list_object_versions").paginate(**kwargs):
            for cp in page.get("CommonPrefixes", []) or []:
                yield Entry(key=cp["Prefix"], is_dir=True)
            entries = sorted(_version_entries(page), key=lambda e: e.key)
            yield from entries


def iter_uploads(session: Session, bucket: str, prefix: str = "") -> Iterator[dict[str, Any]]:
    """Incomplete multipart uploads under ``prefix``."""
    with errors(f"list incomplete uploads {session.name}/{bucket}/{prefix}"):
        paginator = session.s3.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            yield from page.get("Uploads", []) or []


def _local_entry(path: Path, rel: str, st: os.stat_result) -> Entry:
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    return Entry(key=rel, size=st.st_size, mtime=mtime)


def walk_local(root: Path, *, recursive: bool = True) -> Iterator[Entry]:
    """Files under ``root`` with '/'-separated keys relative to it (symlinks followed)."""
    if root.is_file():
        yield _local_entry(root, root.name, root.stat())
        return
    stack = [("", root)]
    while stack:
        rel_dir, folder = stack.pop()
        with errors(f"read {folder}"), os.scandir(folder) as it:
            items = sorted(it, key=lambda d: d.name)
        for item in items:
            rel = rel_dir + item.name
            if item.is_dir():
                if recursive:
                    stack.append((rel + "/", Path(item.path)))
                else:
                    yield Entry(key=rel + "/", is_dir=True)
            elif item.is_file():
                yield _local_entry(Path(item.path), rel, item.stat())
