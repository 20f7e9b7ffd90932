"""Driving the engine interface from tests: bodies, hashers, running coroutines."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

from grenier.engine import Body, EngineError

T = TypeVar("T")
MIB = 1 << 20


class Hasher:
    """MD5 plus CRC32, as the protocol layer's BodyChecksums would feed them."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5()
        self.crc = 0

    def update_md5(self, data: bytes) -> None:
        self.md5.update(data)

    def update_other(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)

    @property
    def md5_hex(self) -> str:
        return self.md5.hexdigest()

    def crc32(self) -> str:
        return base64.b64encode(self.crc.to_bytes(4, "big")).decode()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def body(
    data: bytes,
    *,
    piece: int = 256 * 1024,
    expect_md5: str | None = None,
    limit: int | None = None,
) -> Body:
    """``data`` as a body of ``piece``-sized pieces; ``expect_md5`` (hex) makes ``verify``
    refuse a mismatch with BadDigest, as a Content-MD5 would."""
    hasher = Hasher()

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(data), piece):
            await asyncio.sleep(0)
            yield data[i : i + piece]

    def verify() -> dict[str, str]:
        if expect_md5 is not None and hasher.md5_hex != expect_md5:
            raise EngineError("BadDigest")
        return {"CRC32": hasher.crc32()}

    if limit is None:
        return Body(pieces=pieces(), hasher=hasher, verify=verify)
    return Body(pieces=pieces(), hasher=hasher, verify=verify, limit=limit)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts: list[bytes]) -> str:
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f"{hashlib.md5(digests).hexdigest()}-{len(parts)}"


def asynctest(fn: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Run an ``async def`` test on a fresh event loop (fixtures pass through)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return asyncio.run(fn(*args, **kwargs))

    return wrapper
