"""Disk space: a reserve that keeps deletes, metadata updates and start-up working on a
full disk.

``DATA_DIR/reserve`` is a preallocated file (the ballast) holding back ``size`` bytes of
the filesystem. Data writes can never use that space: on a full disk they fail
(``ENOSPC`` while a body is written, ``SQLITE_FULL`` when an inline body is committed)
and are answered ``InsufficientStorage`` (507). Everything that frees space or only
touches metadata — DELETE, tagging, ACLs, bucket settings, multipart abort/complete, the
lifecycle sweeper — may use it: when its index transaction finds the disk full, the
reserve is released and the transaction retried. Start-up releases it at once on an
almost full disk, before any SQLite file is opened (opening a WAL database creates its
``-shm`` file, which needs space: that is what made a restart on a full disk fail).

While the reserve is missing, data writes are refused (507) unless the disk has room
for the reserve and as much again; the first write that finds that room lays the
reserve back down. The check costs one clock read per write (its answer is kept for a
second).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import time
from pathlib import Path

log = logging.getLogger("grenier.engine")

RESERVE_FILE = "reserve"
DEFAULT_SIZE = 64 * 1024 * 1024
MAX_SHARE = 0.02  # never more than 2% of the filesystem (small disks, test tmpfs)
STARTUP_ROOM = 4 * 1024 * 1024  # below this much free space, start-up releases the reserve
RECHECK = 1.0  # seconds a "writes allowed" answer is kept


def free_bytes(path: Path) -> int:
    vfs = os.statvfs(path)
    return vfs.f_bavail * vfs.f_frsize


def default_size(path: Path) -> int:
    vfs = os.statvfs(path)
    return int(min(DEFAULT_SIZE, vfs.f_blocks * vfs.f_frsize * MAX_SHARE))


def is_disk_full(exc: BaseException) -> bool:
    """An error that means the filesystem is out of space (or quota)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_FULL
    return False


class Reserve:
    def __init__(self, root: Path, size: int | None = None) -> None:
        self.root = root
        self.path = root / RESERVE_FILE
        self.size = default_size(root) if size is None else size
        self._ok_until = 0.0

    def present(self) -> bool:
        return self.path.exists()

    def ensure(self) -> bool:
        """Lay the reserve down if it is missing and the disk has room for it and as much
        again; True when it is in place."""
        if self.size <= 0 or self.present():
            return True
        if free_bytes(self.root) < 2 * self.size:
            return False
        temp = self.root / f"{RESERVE_FILE}.{os.getpid()}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if not is_disk_full(exc):
                raise
            return False
        log.info("disk reserve of %d bytes in place (%s)", self.size, self.path)
        return True

    def release(self) -> bool:
        """Give the reserve's space back to the filesystem; True if it was there."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        self._ok_until = 0.0
        log.warning(
            "disk full: released the %d-byte reserve for deletes and metadata updates; "
            "writes are refused (507) until there is room for it again",
            self.size,
        )
        return True

    def release_if_low(self) -> None:
        """At start-up, before SQLite opens anything: free the reserve on a full disk."""
        if free_bytes(self.root) < STARTUP_ROOM:
            self.release()

    def writes_allowed(self) -> bool:
        """May a data write start? Yes while the reserve is in place (or can be put back)."""
        now = time.monotonic()
        if now < self._ok_until:
            return True
        if self.size <= 0 or self.present() or self.ensure():
            self._ok_until = now + RECHECK
            return True
        return False
