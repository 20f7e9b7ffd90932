"""Which file goes where for ``cp``/``mv``: sources and a target, expanded into Items.

Rules (mc/rsync-like): a file copied onto a folder-like target (an existing local folder,
a bucket root, a key ending in ``/``, or any target when there are several sources) keeps
its base name; ``cp -r SRC TARGET`` puts SRC's *folder* under TARGET (``TARGET/SRC/…``),
while ``cp -r SRC/ TARGET`` copies SRC's *contents* (``TARGET/…``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from grenier.client.errors import ClientError
from grenier.client.listing import iter_objects
from grenier.client.objects import head
from grenier.client.paths import LocalPath, RemotePath, Target
from grenier.client.session import connect
from grenier.client.tree import base_name, child, dir_prefix, walk


@dataclass
class Item:
    source: Target
    target: Target
    size: int | None
    etag: str = ""


def folder_like(target: Target, many: bool) -> bool:
    if isinstance(target, LocalPath):
        return many or target.trailing_slash or target.path.is_dir()
    return many or target.is_dir


def _single_remote(src: RemotePath, version_id: str = "") -> tuple[int, str]:
    info = head(connect(src.alias), src.bucket, src.key, version_id)
    return int(info["ContentLength"]), str(info.get("ETag", "")).strip('"')


def _one_file(src: Target, target: Target, many: bool, version_id: str = "") -> Item:
    dest = child(target, base_name(src)) if folder_like(target, many) else target
    if isinstance(src, LocalPath):
        if src.path.is_dir():
            raise ClientError(f"{src}: is a folder (use -r)", code="IsADirectory")
        if not src.path.exists():
            raise ClientError(f"{src}: no such file or directory", code="NoSuchFile")
        return Item(src, dest, src.path.stat().st_size)
    if not src.key or src.key.endswith("/"):
        raise ClientError(f"{src}: is a bucket or folder (use -r)", code="IsADirectory")
    size, etag = _single_remote(src, version_id)
    return Item(src, dest, size, etag)


def _remote_has_folder(src: RemotePath) -> bool:
    session = connect(src.alias)
    return any(True for _ in _first(iter_objects(session, src.bucket, dir_prefix(src))))


def _first(it: Iterator[object]) -> Iterator[object]:
    for item in it:
        yield item
        return


def _recursive(src: Target, target: Target) -> Iterator[Item]:
    contents_only = src.trailing_slash
    if isinstance(src, LocalPath) and src.path.is_file():
        yield _one_file(src, target, False)
        return
    is_key = isinstance(src, RemotePath) and src.key and not src.key.endswith("/")
    if is_key and isinstance(src, RemotePath) and not _remote_has_folder(src):
        yield _one_file(src, target, False)
        return
    base = target if contents_only else child(target, base_name(src))
    found = False
    for entry in walk(src):
        found = True
        yield Item(child(src, entry.key), child(base, entry.key), entry.size, entry.etag)
    if not found and isinstance(src, LocalPath) and not src.path.exists():
        raise ClientError(f"{src}: no such file or directory", code="NoSuchFile")


def plan_copy(
    sources: list[Target], target: Target, *, recursive: bool, version_id: str = ""
) -> Iterator[Item]:
    """Every (source file, target path) pair of a cp/mv, lazily (``version_id``: of the
    single remote source object, not recursive)."""
    if version_id and (recursive or len(sources) != 1 or not isinstance(sources[0], RemotePath)):
        raise ClientError(
            "--version-id needs exactly one remote source object (and no --recursive)",
            code="BadVersionId",
        )
    if isinstance(target, RemotePath) and not target.bucket:
        raise ClientError(f"{target}: the target needs a bucket", code="BadPath")
    many = len(sources) > 1
    for src in sources:
        if isinstance(src, RemotePath) and not src.bucket:
            raise ClientError(f"{src}: the source needs a bucket", code="BadPath")
        if recursive:
            yield from _recursive(src, target)
        else:
            yield _one_file(src, target, many, version_id)


def same_path(a: Target, b: Target) -> bool:
    if isinstance(a, LocalPath) and isinstance(b, LocalPath):
        return a.path.resolve() == b.path.resolve()
    return str(a) == str(b)


def key_name(key: str) -> str:
    return posixpath.basename(key.rstrip("/"))
