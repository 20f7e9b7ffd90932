"""Decode and verify a request body while it streams.

Modes (chosen by :func:`authenticate`, from ``x-amz-content-sha256``):

* ``none`` / ``unsigned``: bytes pass through;
* ``signed``: bytes pass through, their sha256 is checked at the end
  (XAmzContentSHA256Mismatch);
* ``streaming-*``: ``aws-chunked`` framing is removed; in the signed variants every
  chunk signature (chained from the request signature) and the trailer signature
  are verified (SignatureDoesNotMatch); trailers are collected in ``trailers``.

Bytes are yielded before the end-of-body checks: a caller must treat an error
raised during iteration as "discard everything" (the engine's writes are
all-or-nothing anyway).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Mapping

from grenier.s3.auth import canonical as c
from grenier.s3.auth.context import EMPTY_SHA256, STREAMING_MODES, AuthContext, header
from grenier.s3.auth.stream import PullBuffer, malformed
from grenier.s3.errors import S3Error

_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
MAX_LINE = 4096
MAX_TRAILERS = 16 * 1024


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = header(headers, name)
    if value is None:
        return None
    if not value.strip().isdigit():
        raise S3Error("InvalidArgument", message=f"{name} must be a non-negative integer.")
    return int(value)


class PayloadReader:
    """``async for piece in PayloadReader(ctx, headers, source)`` yields the decoded body."""

    def __init__(
        self,
        ctx: AuthContext,
        headers: Mapping[str, str],
        source: AsyncIterator[bytes],
        *,
        max_chunk: int = 1 << 20,
    ) -> None:
        self.ctx = ctx
        self.trailers: dict[str, str] = {}
        self.decoded_length = 0
        self._source = source
        self._max = max_chunk
        self._streaming = ctx.payload in STREAMING_MODES
        self._signed_chunks = ctx.payload in ("streaming-signed", "streaming-signed-trailer")
        length_header = "x-amz-decoded-content-length" if self._streaming else "content-length"
        self._expected_length = _int_header(headers, length_header)
        self._previous = ctx.seed_signature or ""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunked() if self._streaming else self._plain()

    # -- plain bodies ------------------------------------------------------------------

    async def _plain(self) -> AsyncIterator[bytes]:
        digest = hashlib.sha256() if self.ctx.payload == "signed" else None
        async for piece in self._source:
            for start in range(0, len(piece), self._max):
                part = piece[start : start + self._max] if len(piece) > self._max else piece
                if digest is not None:
                    digest.update(part)
                self.decoded_length += len(part)
                yield part
        self._check_length()
        if digest is not None and digest.hexdigest() != self.ctx.content_sha256:
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                extra={
                    "ClientComputedContentSHA256": self.ctx.content_sha256 or "",
                    "S3ComputedContentSHA256": digest.hexdigest(),
                },
            )

    def _check_length(self) -> None:
        if self._expected_length is not None and self.decoded_length != self._expected_length:
            raise S3Error("IncompleteBody")

    # -- aws-chunked bodies ------------------------------------------------------------

    async def _chunked(self) -> AsyncIterator[bytes]:
        buf = PullBuffer(self._source)
        while True:
            size, signature = await self._chunk_header(buf)
            digest = hashlib.sha256() if self._signed_chunks else None
            remaining = size
            while remaining:
                piece = await buf.take(min(remaining, self._max))
                if piece is None:
                    raise S3Error("IncompleteBody")
                if digest is not None:
                    digest.update(piece)
                remaining -= len(piece)
                self.decoded_length += len(piece)
                yield piece
            if digest is not None:
                self._verify_chunk(digest.hexdigest(), signature)
            if size == 0:
                break
            if await buf.line(MAX_LINE) != b"":
                raise malformed("chunk data longer than its declared size")
        self._read_trailers(await buf.rest(MAX_TRAILERS))
        self._check_length()

    async def _chunk_header(self, buf: PullBuffer) -> tuple[int, str]:
        line = await buf.line(MAX_LINE)
        if line is None:
            raise S3Error("IncompleteBody")
        size_text, _, extensions = line.partition(b";")
        if not _SIZE.fullmatch(size_text.strip()):
            raise malformed(f"bad chunk size {size_text[:20]!r}")
        signature = ""
        for ext in extensions.split(b";"):
            name, _, value = ext.partition(b"=")
            if name.strip() == b"chunk-signature":
                signature = value.strip().decode("ascii", "replace")
        if self._signed_chunks and not signature:
            raise S3Error("SignatureDoesNotMatch", message="A chunk has no chunk-signature.")
        return int(size_text, 16), signature

    def _chain(self, kind: str, *hashes: str) -> str:
        lines = (kind, self.ctx.amz_date or "", self.ctx.scope or "", self._previous, *hashes)
        return c.sign(self.ctx.signing_key or b"", "\n".join(lines))

    def _verify_chunk(self, data_sha256: str, provided: str) -> None:
        expected = self._chain("AWS4-HMAC-SHA256-PAYLOAD", EMPTY_SHA256, data_sha256)
        if not c.same(expected, provided):
            raise S3Error(
                "SignatureDoesNotMatch",
                message="The chunk signature we calculated does not match the one provided.",
            )
        self._previous = provided

    def _read_trailers(self, raw: bytes) -> None:
        signature, canonical = None, []
        for line in raw.decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise malformed("trailer without ':'")
            name, value = name.strip().lower(), value.strip()
            if name == "x-amz-trailer-signature":
                signature = value
                continue
            canonical.append(f"{name}:{value}\n")
            self.trailers[name] = value
        if self.trailers and self.ctx.payload in ("streaming-signed",):
            raise malformed("trailers need a -TRAILER payload mode")
        if self.ctx.payload == "streaming-signed-trailer":
            self._verify_trailer("".join(canonical), signature)

    def _verify_trailer(self, canonical: str, provided: str | None) -> None:
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        expected = self._chain("AWS4-HMAC-SHA256-TRAILER", digest)
        if provided is None or not c.same(expected, provided):
            raise S3Error(
                "SignatureDoesNotMatch",
                message="The trailer signature we calculated does not match the one provided.",
            )
