"""What ``ls``, ``du``, ``find`` and ``tree`` list for one path, local or remote.

``ALIAS`` lists buckets; ``ALIAS/bucket/x`` lists the folder ``x/`` when it exists, else
the object ``x`` (mc's behaviour). Entries keep full keys; ``root`` is the prefix to strip
for display.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from grenier.client.errors import ClientError
from grenier.client.listing import Entry, iter_objects, iter_versions, list_buckets, walk_local
from grenier.client.paths import LocalPath, RemotePath, Target
from grenier.client.session import connect


@dataclass
class Listing:
    root: str
    entries: Iterator[Entry]
    buckets: bool = False


def _remote(path: RemotePath, recursive: bool, versions: bool) -> Listing:
    session = connect(path.alias)
    if not path.bucket:
        if recursive:
            raise ClientError(f"{path}: give a bucket for a recursive listing", code="BadPath")
        return Listing("", iter(list_buckets(session)), buckets=True)
    lister = iter_versions if versions else iter_objects
    key = path.key
    if not key or key.endswith("/"):
        return Listing(key, lister(session, path.bucket, key, recursive=recursive))
    probe = list(lister(session, path.bucket, key, recursive=False))
    exact = [e for e in probe if e.key == key]
    if any(e.is_dir and e.key == key + "/" for e in probe):
        inside = lister(session, path.bucket, key + "/", recursive=recursive)
        return Listing(key + "/", _chain(exact, inside))
    if not exact:
        raise ClientError(f"{path}: no such object or folder", code="NoSuchKey")
    parent = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    return Listing(parent, iter(exact))


def _chain(first: list[Entry], rest: Iterator[Entry]) -> Iterator[Entry]:
    yield from first
    yield from rest


def _local(path: LocalPath, recursive: bool) -> Listing:
    if not path.path.exists():
        raise ClientError(f"{path}: no such file or directory", code="NoSuchFile")
    if path.path.is_file():
        return Listing("", walk_local(path.path))
    return Listing(
        "", iter(sorted(walk_local(path.path, recursive=recursive), key=lambda e: e.key))
    )


def listing(target: Target, *, recursive: bool = False, versions: bool = False) -> Listing:
    if isinstance(target, LocalPath):
        return _local(target, recursive)
    return _remote(target, recursive, versions)


def display_path(target: Target, key: str) -> str:
    """The full path of a listed entry, in the same form the user typed."""
    if isinstance(target, RemotePath):
        return f"{target.alias}/{target.bucket}/{key}"
    if target.path.is_file():
        return str(target.path)
    return str(target.path / key)
