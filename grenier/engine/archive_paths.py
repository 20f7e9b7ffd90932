"""Keys and paths of archive buckets: the one place in Grenier where a key names a file.

Everywhere else a key is only a row in the index and data files are named by the engine
(``grenier.engine.files``). An archive bucket serves a directory tree in place, so here,
and only here, a key becomes a path — through :func:`open_file`, audited to never leave
the archive's root:

* the key is checked first (:func:`key_parts`): no NUL, not absolute, no empty, ``.`` or
  ``..`` component, no component longer than a file name can be;
* the file is then opened component by component, each ``openat`` relative to the
  descriptor of the directory opened just before (``os.open(..., dir_fd=...)``) with
  ``O_NOFOLLOW``: a symbolic link anywhere in the path — in the middle or at the end — is
  refused by the kernel itself, and since no path is ever resolved twice there is no
  window between a check and an open for a swap to exploit (a directory replaced by a
  link after it was opened leaves us in the directory we opened, inside the root);
* only a regular file is served (no FIFO, device or socket: the final open is
  ``O_NONBLOCK`` so that a FIFO cannot block it).

Symbolic links are therefore never followed, not even those that point inside the root,
and the catalogue (:func:`walk`, the inverse mapping) lists neither them nor anything
behind them. The root itself is opened once, as the operator named it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

NAME_MAX = 255  # bytes in one path component (Linux, and every POSIX file system in use)
KEY_MAX = 1024  # bytes in an S3 key
DEPTH_MAX = 128  # directories deeper than this are not walked (one descriptor per level)
_DIR_FLAGS = os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_PATH", os.O_RDONLY)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY


class NotAFile(Exception):
    """The key names no regular file under the root (absent, refused, or not a file)."""


def key_parts(key: str) -> list[str]:
    """The path components of ``key``, or :class:`NotAFile` when the key cannot name a
    file under the root (absolute, ``..``, NUL, empty components, too long)."""
    if not key or "\x00" in key:
        raise NotAFile(key)
    try:
        raw = key.encode("utf-8")
    except UnicodeEncodeError:
        raise NotAFile(key) from None
    if len(raw) > KEY_MAX:
        raise NotAFile(key)
    parts = key.split("/")
    for part in parts:
        if part in ("", ".", "..") or len(part.encode("utf-8")) > NAME_MAX:
            raise NotAFile(key)
    return parts


def open_root(path: str) -> int:
    """A descriptor of the archive's root directory (symlinks in the operator's own path
    are the operator's choice; nothing below it is followed)."""
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_file(root_fd: int, key: str) -> tuple[int, os.stat_result]:
    """Open the regular file ``key`` names under the root: a read-only descriptor and its
    ``fstat``. :class:`NotAFile` for anything else. Close the descriptor when done."""
    parts = key_parts(key)
    dir_fd = root_fd
    try:
        for name in parts[:-1]:
            next_fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            if dir_fd != root_fd:
                os.close(dir_fd)
            dir_fd = next_fd
        fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:  # ENOENT, ENOTDIR, ELOOP (a link), EACCES, ENAMETOOLONG...
        raise NotAFile(key) from exc
    finally:
        if dir_fd != root_fd:
            os.close(dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(key)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


@dataclass
class WalkStats:
    """What a walk left out: entries that cannot be keys, links, special files."""

    skipped: int = 0
    errors: int = 0


def walk(root_fd: int, stats: WalkStats | None = None) -> Iterator[tuple[str, os.stat_result]]:
    """Every regular file under the root as ``(key, lstat)``, depth first, never through a
    symbolic link (each directory is opened ``O_NOFOLLOW`` relative to its parent's
    descriptor, like :func:`open_file`). Names that cannot be S3 keys (not UTF-8, too
    long) are counted in ``stats.skipped``, unreadable directories in ``stats.errors``."""
    stats = stats if stats is not None else WalkStats()
    yield from _walk_dir(root_fd, "", 0, stats)


def _walk_dir(
    dir_fd: int, prefix: str, depth: int, stats: WalkStats
) -> Iterator[tuple[str, os.stat_result]]:
    subdirs: list[str] = []
    try:
        with os.scandir(dir_fd) as entries:
            for entry in entries:
                key = _key_of(prefix, entry.name)
                if key is None:
                    stats.skipped += 1
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.name)
                elif entry.is_file(follow_symlinks=False):
                    try:
                        yield key, entry.stat(follow_symlinks=False)
                    except OSError:  # removed meanwhile
                        continue
                else:
                    stats.skipped += 1  # symbolic links, FIFOs, sockets, devices
    except OSError:
        stats.errors += 1
        return
    if depth >= DEPTH_MAX:
        stats.skipped += len(subdirs)
        return
    for name in subdirs:
        try:
            child = os.open(
                name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd
            )
        except OSError:  # replaced by a link, removed, or unreadable
            stats.errors += 1
            continue
        try:
            yield from _walk_dir(child, f"{prefix}{name}/", depth + 1, stats)
        finally:
            os.close(child)


def _key_of(prefix: str, name: str) -> str | None:
    """``prefix + name`` when it is a valid key (UTF-8 names only: a name that is not
    decodes with surrogates, which no S3 key can carry)."""
    key = prefix + name
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return None
    return key if size <= KEY_MAX else None
