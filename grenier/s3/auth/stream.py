"""A small pull buffer over an async byte source: lines and bounded takes.

It hands source pieces through without copying whenever they fit, and keeps at
most one partial piece buffered, so decoding never holds the whole body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from grenier.s3.errors import S3Error


def malformed(detail: str) -> S3Error:
    return S3Error("InvalidRequest", message=f"Malformed aws-chunked body: {detail}.")


class PullBuffer:
    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._it = source.__aiter__()
        self._buf = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            piece = await self._it.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return False
        self._buf += piece
        return True

    async def line(self, limit: int) -> bytes | None:
        """Bytes up to the next LF (CR stripped); the rest at EOF; None if nothing is left."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                line = bytes(self._buf[:end])
                del self._buf[: end + 1]
                return line.removesuffix(b"\r")
            if len(self._buf) > limit:
                raise malformed("line too long")
            start = len(self._buf)
            if not await self._fill():
                if not self._buf:
                    return None
                line = bytes(self._buf)
                self._buf.clear()
                return line

    async def take(self, n: int) -> bytes | None:
        """Up to ``n`` bytes (at least one), or None at EOF."""
        if self._buf:
            with memoryview(self._buf) as view:
                out = bytes(view[:n])  # one copy, not two
            del self._buf[:n]
            return out
        if self._eof:
            return None
        try:
            piece = await self._it.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return None
        if len(piece) <= n:
            return piece if piece else await self.take(n)
        self._buf += memoryview(piece)[n:]
        return piece[:n]

    async def rest(self, limit: int) -> bytes:
        """Everything left until EOF (trailers), at most ``limit`` bytes."""
        while await self._fill():
            if len(self._buf) > limit:
                raise malformed("trailer section too large")
        out = bytes(self._buf)
        self._buf.clear()
        return out
