"""Data files: named by the engine, never by a key.

Layout under DATA_DIR::

    objects/ab/cd/<32 hex>   committed (or about to be committed) data files
    tmp/<32 hex>.part        bodies being received; removed or renamed, never read

A file enters ``objects/`` in one of two ways, and both end with the same fsyncs before
the index row that points at it is committed, so an acknowledged object always has its
bytes (in ``--durability full``):

* :meth:`FileStore.publish`: a finished temp file (already ``fdatasync``-ed) is renamed
  in, then its directory is fsynced;
* :meth:`FileStore.link`: a new name for an existing file (a copy: data files are
  immutable), then its directory is fsynced.

A new fan-out directory is fsynced into its parent as it is created.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grenier.engine import stats
from grenier.engine.errors import EngineError

# Set (by the committer, after COMMIT) when a committed transaction released a data file
# (a ``garbage`` row); cleared by the engine's collector before it looks, so most
# commits skip reading the garbage table at all.
GARBAGE_PENDING = threading.Event()
_in_batch = threading.local()

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def add_garbage(conn: sqlite3.Connection, rel: str) -> None:
    """Inside a transaction: ``rel`` loses its last reference once this commits."""
    conn.execute("INSERT OR IGNORE INTO garbage(file) VALUES (?)", (rel,))
    _in_batch.garbage = True


def batch_committed() -> None:
    """Called by the writer thread after each COMMIT."""
    if getattr(_in_batch, "garbage", False):
        _in_batch.garbage = False
        GARBAGE_PENDING.set()


def batch_rolled_back() -> None:
    _in_batch.garbage = False


def new_name() -> str:
    return uuid.uuid4().hex


def rel_path(name: str) -> str:
    return f"{name[:2]}/{name[2:4]}/{name}"


def insufficient_storage(exc: OSError) -> EngineError | None:
    """The engine's refusal for a write that found the disk full (None: another error)."""
    if exc.errno in NO_SPACE:
        return EngineError("InsufficientStorage")
    return None


@contextmanager
def disk_full_refused() -> Iterator[None]:
    """Turn a full disk met while writing data files into InsufficientStorage."""
    try:
        yield
    except OSError as exc:
        refusal = insufficient_storage(exc)
        if refusal is None:
            raise
        raise refusal from exc


class FileStore:
    def __init__(self, root: Path, *, durable: bool) -> None:
        self.root = root
        self.objects = root / "objects"
        self._prefix = f"{self.objects}/"
        self.tmp = root / "tmp"
        self.durable = durable
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, rel: str) -> Path:
        return self.objects / rel

    def path_str(self, rel: str) -> str:
        """``path`` as a plain string (cheaper, for the read path)."""
        return self._prefix + rel

    def new_temp(self) -> TempFile:
        return TempFile(self, self.tmp / f"{new_name()}.part")

    def _new_destination(self) -> tuple[str, Path]:
        """A fresh relative name and its path, with its fan-out directories in place."""
        rel = rel_path(new_name())
        dest = self.objects / rel
        parent = dest.parent
        if not parent.is_dir():
            parent.mkdir(parents=True, exist_ok=True)
            if self.durable:
                fsync_dir(parent.parent)
                fsync_dir(parent.parent.parent)
        return rel, dest

    def publish(self, temp: Path) -> str:
        """Move a finished temp file into objects/; returns its relative name."""
        rel, dest = self._new_destination()
        os.rename(temp, dest)
        if self.durable:
            fsync_dir(dest.parent)
        return rel

    def link(self, source_rel: str) -> str:
        """A second name for a published file (its bytes are immutable); returns the new
        relative name. FileNotFoundError if the source is gone (callers fall back to
        copying bytes from a descriptor they hold)."""
        rel, dest = self._new_destination()
        os.link(self.objects / source_rel, dest)
        if self.durable:
            fsync_dir(dest.parent)
        return rel

    def remove(self, rel: str) -> None:
        try:
            os.unlink(self.objects / rel)
        except FileNotFoundError:
            pass


class TempFile:
    """A body being received: append, hash, then either publish or discard."""

    def __init__(self, store: FileStore, path: Path) -> None:
        self.store = store
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.size += len(data)

    def finish(self) -> str:
        """fsync (in durable mode), close and move into objects/; returns the relative name."""
        if self.store.durable:
            started = time.monotonic()
            os.fdatasync(self.fd)
            stats.FSYNC_SECONDS.observe(time.monotonic() - started)
        os.close(self.fd)
        self.fd = -1
        return self.store.publish(self.path)

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        started = time.monotonic()
        os.fsync(fd)
        stats.FSYNC_SECONDS.observe(time.monotonic() - started)
    finally:
        os.close(fd)
