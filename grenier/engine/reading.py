"""Reading an object's bytes: a version row plus its data files, opened at once.

:func:`open_version` opens every segment file right after the row is read, before the
caller can yield to anything else, so a concurrent overwrite that releases the files
cannot pull the bytes away (POSIX keeps an open file alive after unlink). A file can
still vanish between the row read and the open when another process (worker)
committed an overwrite and collected its garbage in between; the row is then read
again — it has changed — and the new version is opened instead.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

from grenier.engine.model import ObjectVersion

CHUNK = 1 << 20
OFF_LOOP = 256 * 1024  # reads at least this large run on a worker thread
REREADS = 5


class ShortFile(OSError):
    """A data file holds fewer bytes than its row records (truncated on disk)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"data file of {key!r} is shorter than recorded")


@dataclass
class OpenedObject:
    """A version and its open data files (one descriptor per segment), or its inline
    bytes. Close it when done (it is a context manager)."""

    version: ObjectVersion
    fds: list[int] = field(default_factory=list)

    def close(self) -> None:
        fds, self.fds = self.fds, []
        for fd in fds:
            os.close(fd)

    def __enter__(self) -> OpenedObject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pieces(self, start: int, length: int) -> list[tuple[int, int, int]]:
        """``(fd, offset, size)`` runs covering ``length`` bytes from ``start``."""
        runs: list[tuple[int, int, int]] = []
        offset = 0
        remaining = length
        for seg, fd in zip(self.version.segments, self.fds, strict=True):
            seg_end = offset + seg.size
            if remaining <= 0:
                break
            if start < seg_end:
                pos = max(0, start - offset)
                take = min(seg.size - pos, remaining)
                runs.append((fd, seg.offset + pos, take))
                remaining -= take
            offset = seg_end
        return runs

    def iter_sync(self, start: int, length: int) -> Iterator[bytes]:
        """The bytes of a range in pieces of up to 1 MiB, read on the calling thread
        (copies, scrub: callers already off the event loop)."""
        if self.version.inline is not None or not self.version.segments:
            yield (self.version.inline or b"")[start : start + length]
            return
        for fd, pos, size in self.pieces(start, length):
            end = pos + size
            while pos < end:
                data = os.pread(fd, min(CHUNK, end - pos), pos)
                if not data:
                    raise ShortFile(self.version.key)
                yield data
                pos += len(data)

    async def iter_range(self, start: int, length: int) -> AsyncIterator[bytes]:
        """The bytes of a range in pieces of up to 1 MiB; large reads run off the loop."""
        if self.version.inline is not None or not self.version.segments:
            yield (self.version.inline or b"")[start : start + length]
            return
        loop = asyncio.get_running_loop()
        for fd, pos, size in self.pieces(start, length):
            end = pos + size
            while pos < end:
                want = min(CHUNK, end - pos)
                if want >= OFF_LOOP:
                    data = await loop.run_in_executor(None, os.pread, fd, want, pos)
                else:
                    data = os.pread(fd, want, pos)
                if not data:
                    raise ShortFile(self.version.key)
                yield data
                pos += len(data)


def open_version(read: Callable[[], ObjectVersion], path_of: Callable[[str], str]) -> OpenedObject:
    """Read the row with ``read`` and open its files; re-read when a file vanished."""
    for attempt in range(REREADS):
        obj = read()
        if obj.inline is not None or not obj.segments or obj.delete_marker:
            return OpenedObject(obj)
        opened = OpenedObject(obj)
        try:
            for seg in obj.segments:
                opened.fds.append(os.open(path_of(seg.file), os.O_RDONLY | os.O_CLOEXEC))
        except FileNotFoundError:
            opened.close()
            if attempt == REREADS - 1:
                raise
            continue
        return opened
    raise AssertionError("unreachable")
