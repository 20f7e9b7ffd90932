"""Receiving a request body into the engine: decode, hash, write, verify, publish.

Small bodies stay in memory and become inline index rows; larger ones stream to a
temp file in 1 MiB pieces, hashed and written off the event loop, then fsynced and
published. Nothing here is visible to readers until the index commit.
"""

from __future__ import annotations

import asyncio
import os

from grenier.engine import Staged
from grenier.engine.files import TempFile
from grenier.s3 import xml
from grenier.s3.auth import BodyChecksums, PayloadReader
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error

FLUSH = 1 << 20
SYNC_EVERY = 8 << 20
MAX_PUT = 5 * 1024**3


def _write_other(temp: TempFile, checks: BodyChecksums, data: bytes) -> None:
    checks.update_other(data)
    temp.write(data)


def _submit(
    loop: asyncio.AbstractEventLoop, temp: TempFile, checks: BodyChecksums, data: bytes
) -> asyncio.Future[list[None]]:
    """MD5 on one thread, the other checksum and the file write on another."""
    return asyncio.gather(
        loop.run_in_executor(None, checks.update_md5, data),
        loop.run_in_executor(None, _write_other, temp, checks, data),
    )


async def receive(
    req: S3Request,
    *,
    limit: int = MAX_PUT,
    inline: bool = True,
    default_algorithm: str | None = "CRC64NVME",
) -> Staged:
    """Read the whole body of ``req`` into a :class:`Staged` (durable, not yet visible).

    Like AWS, an object sent without any checksum still gets a full-object CRC64NVME.
    """
    engine = req.engine
    headers = req.headers
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise S3Error(
            "EntityTooLarge", extra={"ProposedSize": declared, "MaxSizeAllowed": str(limit)}
        )
    checks = BodyChecksums.from_request(headers, default_algorithm=default_algorithm)
    reader = PayloadReader(req.auth, headers, req.http.content.iter_any())
    inline_limit = engine.config.inline_limit if inline else -1
    loop = asyncio.get_running_loop()
    pieces: list[bytes] = []
    buffered = 0
    temp: TempFile | None = None
    # Double buffering: the next piece is received on the loop while the previous one
    # is hashed and written on a worker thread (in order: one write in flight at most).
    pending: asyncio.Future[list[None]] | None = None
    syncs: list[asyncio.Future[None]] = []
    size = synced = 0
    try:
        async for piece in reader:
            size += len(piece)
            if size > limit:
                raise S3Error("EntityTooLarge")
            pieces.append(piece)
            buffered += len(piece)
            if temp is None and buffered > inline_limit:
                temp = engine.files.new_temp()
            if temp is not None and buffered >= FLUSH:
                data = b"".join(pieces)
                pieces.clear()
                buffered = 0
                if pending is not None:
                    await pending
                pending = _submit(loop, temp, checks, data)
                if engine.files.durable and size - synced >= SYNC_EVERY:
                    # Start writing back early, so the fsync before the commit only
                    # waits for the tail (runs beside the hashing, never awaited here).
                    syncs.append(loop.run_in_executor(None, os.fdatasync, temp.fd))
                    synced = size
        if pending is not None:
            await pending
            pending = None
        data = b"".join(pieces)
        if temp is None:
            checks.update(data)
            stored = checks.verify(reader.trailers)
            return Staged(size=size, md5_hex=checks.md5_hex, inline=data, checksums=stored)
        if data:
            await _submit(loop, temp, checks, data)
        stored = checks.verify(reader.trailers)
        if syncs:
            await asyncio.gather(*syncs)
        rel = await loop.run_in_executor(None, temp.finish)
        temp = None
        return Staged(size=size, md5_hex=checks.md5_hex, file=rel, checksums=stored)
    except BaseException:
        if pending is not None:
            await asyncio.gather(pending, return_exceptions=True)
        await asyncio.gather(*syncs, return_exceptions=True)
        if temp is not None:
            temp.discard()
        raise


async def read_verified(req: S3Request, limit: int = xml.MAX_BODY) -> bytes:
    """A small configuration body, checked against Content-MD5 or x-amz-checksum-*."""
    data = await req.http.content.read(limit + 1)
    if len(data) > limit:
        raise S3Error("MaxMessageLengthExceeded")
    checks = BodyChecksums.from_request(req.headers)
    checks.update(data)
    checks.verify({})
    return data
