"""Receiving a request body into the engine: decode, hash, write, verify, publish.

Small bodies stay in memory and become inline index rows; larger ones stream to a
temp file in 1 MiB pieces, hashed and written off the event loop, then fsynced and
published. Nothing here is visible to readers until the index commit.
"""

from __future__ import annotations

import asyncio

from grenier.engine import Staged
from grenier.engine.files import TempFile
from grenier.s3.auth import BodyChecksums, PayloadReader
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error

FLUSH = 1 << 20
MAX_PUT = 5 * 1024**3


def _write(temp: TempFile, checks: BodyChecksums, data: bytes) -> None:
    checks.update(data)
    temp.write(data)


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
    buf = bytearray()
    temp: TempFile | None = None
    size = 0
    try:
        async for piece in reader:
            size += len(piece)
            if size > limit:
                raise S3Error("EntityTooLarge")
            buf += piece
            if temp is None and len(buf) > inline_limit:
                temp = engine.files.new_temp()
            if temp is not None and len(buf) >= FLUSH:
                data = bytes(buf)
                buf.clear()
                await loop.run_in_executor(None, _write, temp, checks, data)
        if temp is None:
            data = bytes(buf)
            checks.update(data)
            stored = checks.verify(reader.trailers)
            return Staged(size=size, md5_hex=checks.md5_hex, inline=data, checksums=stored)
        if buf:
            await loop.run_in_executor(None, _write, temp, checks, bytes(buf))
            buf.clear()
        stored = checks.verify(reader.trailers)
        rel = await loop.run_in_executor(None, temp.finish)
        temp = None
        return Staged(size=size, md5_hex=checks.md5_hex, file=rel, checksums=stored)
    except BaseException:
        if temp is not None:
            temp.discard()
        raise
