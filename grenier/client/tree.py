"""Trees of files on either side: what ``cp -r``, ``mirror`` and ``diff`` walk.

A tree is a root (local folder, or ``alias/bucket/prefix/``) whose entries carry keys
relative to it; :func:`child` turns a relative key back into a full path on any side.
Keys that could escape a local folder (``..``, absolute) are refused, not followed.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from grenier.client.errors import ClientError
from grenier.client.listing import Entry, iter_objects, walk_local
from grenier.client.paths import LocalPath, RemotePath, Target
from grenier.client.session import connect


def dir_prefix(path: RemotePath) -> str:
    """The listing prefix that means 'inside' a remote path."""
    return path.key if not path.key or path.key.endswith("/") else path.key + "/"


def base_name(target: Target) -> str:
    if isinstance(target, LocalPath):
        return target.path.resolve().name
    return posixpath.basename(target.key.rstrip("/")) or target.bucket


def safe_relative(rel: str) -> str:
    """Refuse keys that would land outside the target folder on a local disk."""
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("..", ".") for p in parts) or "\\" in rel or "\0" in rel:
        raise ClientError(f"{rel!r}: unsafe key for a local path, skipped", code="UnsafeKey")
    return rel


def child(root: Target, rel: str) -> Target:
    if isinstance(root, LocalPath):
        return LocalPath(root.path / safe_relative(rel))
    return RemotePath(root.alias, root.bucket, dir_prefix(root) + rel)


def walk(root: Target) -> Iterator[Entry]:
    """Every file under ``root``, keys relative to it (folder markers skipped)."""
    if isinstance(root, LocalPath):
        if not root.path.exists():
            return
        if not root.path.is_dir():
            raise ClientError(f"{root}: not a folder", code="NotADirectory")
        yield from walk_local(root.path)
        return
    if not root.bucket:
        raise ClientError(f"{root}: a bucket is required", code="BadPath")
    session = connect(root.alias)
    prefix = dir_prefix(root)
    for entry in iter_objects(session, root.bucket, prefix):
        if entry.key.endswith("/"):
            continue
        entry.key = entry.key[len(prefix) :]
        yield entry


def is_local_dir(target: Target) -> bool:
    return isinstance(target, LocalPath) and target.path.is_dir()


def local_file(target: Target) -> Path | None:
    return target.path if isinstance(target, LocalPath) and target.path.is_file() else None
