"""Body ingestion: a stream of decoded pieces becomes bytes that are durable on disk (or
small enough to live in the index row), hashed and verified, but not yet visible.

The protocol layer hands the engine a :class:`Body`: the decoded pieces (aws-chunked
framing and signatures are its business), a hasher fed with every byte, and a ``verify``
callback that runs after the last piece and before anything is published — it raises to
refuse the body (BadDigest…) and returns the checksums to store. The same path serves
PutObject, POST Object and UploadPart.

For a body larger than the inline limit, in 1 MiB pieces:

* double buffering: while the event loop receives the next piece, the previous one is
  hashed and written on worker threads — MD5 on one, the other checksum plus the file
  write on another (one write in flight at most, so the file stays in order);
* every 8 MiB an ``fdatasync`` starts in the background (durable mode), so the final
  one before publishing only waits for the tail;
* then ``fdatasync``, rename into ``objects/``, directory fsync (``FileStore.publish``).

A failure at any point (client gone, bad digest, full disk) removes the temp file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from typing import Protocol

from grenier.engine.errors import EngineError
from grenier.engine.files import FileStore, TempFile, insufficient_storage
from grenier.engine.model import Staged

FLUSH = 1 << 20
SYNC_EVERY = 8 << 20
MAX_OBJECT_SIZE = 5 * 1024**3


class BodyHasher(Protocol):
    """MD5 (the ETag) plus the protocol's other checksum, fed in order. The two halves
    run on two threads at once; each sees every piece in order."""

    def update_md5(self, data: bytes) -> None: ...

    def update_other(self, data: bytes) -> None: ...

    @property
    def md5_hex(self) -> str: ...


class Digest(Protocol):
    """One checksum algorithm, fed incrementally (recomputing a copy's checksum)."""

    def update(self, data: bytes) -> None: ...

    def b64digest(self) -> str: ...


@dataclass
class Body:
    """A request body as the protocol layer hands it to the engine.

    ``verify`` runs once, after the last piece: raise to refuse the body, or return
    ``{ALGORITHM: base64}`` to store with the object."""

    pieces: AsyncIterable[bytes]
    hasher: BodyHasher
    verify: Callable[[], dict[str, str]]
    limit: int = MAX_OBJECT_SIZE


def _write_other(temp: TempFile, hasher: BodyHasher, data: bytes) -> None:
    hasher.update_other(data)
    temp.write(data)


def _submit(
    loop: asyncio.AbstractEventLoop, temp: TempFile, hasher: BodyHasher, data: bytes
) -> asyncio.Future[tuple[None, None]]:
    """MD5 on one thread, the other checksum and the file write on another."""
    return asyncio.gather(
        loop.run_in_executor(None, hasher.update_md5, data),
        loop.run_in_executor(None, _write_other, temp, hasher, data),
    )


async def ingest(files: FileStore, body: Body, inline_limit: int) -> Staged:
    """Read the whole body into a :class:`Staged` (durable, not yet visible).
    ``inline_limit`` < 0: always a file (multipart parts)."""
    hasher = body.hasher
    loop = asyncio.get_running_loop()
    pieces: list[bytes] = []
    buffered = 0
    temp: TempFile | None = None
    pending: asyncio.Future[tuple[None, None]] | None = None
    syncs: list[asyncio.Future[None]] = []
    size = synced = 0
    try:
        async for piece in body.pieces:
            size += len(piece)
            if size > body.limit:
                raise EngineError("EntityTooLarge")
            pieces.append(piece)
            buffered += len(piece)
            if temp is None and buffered > inline_limit:
                temp = files.new_temp()
            if temp is not None and buffered >= FLUSH:
                data = b"".join(pieces)
                pieces.clear()
                buffered = 0
                if pending is not None:
                    await pending
                pending = _submit(loop, temp, hasher, data)
                if files.durable and size - synced >= SYNC_EVERY:
                    # Start writing back early, so the fsync before the commit only
                    # waits for the tail (runs beside the hashing, never awaited here).
                    syncs.append(loop.run_in_executor(None, os.fdatasync, temp.fd))
                    synced = size
        if pending is not None:
            await pending
            pending = None
        data = b"".join(pieces)
        if temp is None:
            hasher.update_md5(data)
            hasher.update_other(data)
            stored = body.verify()
            return Staged(size=size, md5_hex=hasher.md5_hex, inline=data, checksums=stored)
        if data:
            await _submit(loop, temp, hasher, data)
        stored = body.verify()
        if syncs:
            await asyncio.gather(*syncs)
        rel = await loop.run_in_executor(None, temp.finish)
        temp = None
        return Staged(size=size, md5_hex=hasher.md5_hex, file=rel, checksums=stored)
    except BaseException as exc:
        if pending is not None:
            await asyncio.gather(pending, return_exceptions=True)
        await asyncio.gather(*syncs, return_exceptions=True)
        if temp is not None:
            temp.discard()
        if isinstance(exc, OSError) and (refusal := insufficient_storage(exc)) is not None:
            raise refusal from exc
        raise
