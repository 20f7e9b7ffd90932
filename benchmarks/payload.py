"""Deterministic object bodies that both the load generator and the sink can rebuild.

An object of ``size`` bytes under ``key`` is a 1 MiB random pattern repeated, whose last
``min(64, size)`` bytes are replaced by a tag made from the key. So a server that returns
another key's bytes, or truncated or shifted bytes, fails verification, while the MD5 of
everything before the tag is shared by all keys of one size (computed once, then copied).
Keys carry their size (``.../s<size>/...``) so the sink can answer without state.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from functools import lru_cache

PATTERN_SIZE = 1 << 20
PATTERN = random.Random(20240601).randbytes(PATTERN_SIZE)
DOUBLE = PATTERN + PATTERN
TAG_SIZE = 64


def make_key(prefix: str, size: int, index: int, part_size: int = 0) -> str:
    parts = f"/ps{part_size}" if part_size else ""
    return f"{prefix}/s{size}{parts}/{index:08d}"


def size_of_key(key: str) -> tuple[int, int]:
    """(object size, part size or 0) encoded in a key made by ``make_key``."""
    size = part = 0
    for piece in key.split("/"):
        if piece[:1] == "s" and piece[1:].isdigit():
            size = int(piece[1:])
        elif piece[:2] == "ps" and piece[2:].isdigit():
            part = int(piece[2:])
    return size, part


def tag(key: str, size: int) -> bytes:
    raw = hashlib.sha256(key.encode()).hexdigest().encode()
    return raw[: min(TAG_SIZE, size)]


def pattern_slice(offset: int, length: int) -> bytes:
    """PATTERN stream bytes [offset, offset + length), length <= PATTERN_SIZE."""
    start = offset % PATTERN_SIZE
    return DOUBLE[start : start + length]


def expected(key: str, size: int, offset: int, length: int) -> bytes:
    """Bytes [offset, offset+length) of the object; any length."""
    out: list[bytes] = []
    pos, end = offset, offset + length
    body_end = size - min(TAG_SIZE, size)
    while pos < min(end, body_end):
        n = min(PATTERN_SIZE, min(end, body_end) - pos)
        out.append(pattern_slice(pos, n))
        pos += n
    if end > body_end:
        t = tag(key, size)
        out.append(t[max(0, pos - body_end) : end - body_end])
    return out[0] if len(out) == 1 else b"".join(out)


def small_body(key: str, size: int) -> bytes:
    return expected(key, size, 0, size)


def chunks(key: str, size: int, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
    """The object's bytes [offset, offset+length) in pieces of at most 1 MiB."""
    end = size if length is None else offset + length
    pos = offset
    while pos < end:
        n = min(PATTERN_SIZE, end - pos)
        yield expected(key, size, pos, n)
        pos += n


@lru_cache(maxsize=64)
def _prefix_md5(offset: int, length: int) -> hashlib._Hash:
    h = hashlib.md5()
    pos = offset
    while pos < offset + length:
        n = min(PATTERN_SIZE, offset + length - pos)
        h.update(pattern_slice(pos, n))
        pos += n
    return h


def range_md5(key: str, size: int, offset: int, length: int) -> bytes:
    """MD5 digest of bytes [offset, offset+length) of the object (cached pattern part)."""
    body_end = size - min(TAG_SIZE, size)
    plain = max(0, min(offset + length, body_end) - offset)
    h = _prefix_md5(offset, plain).copy()
    if offset + length > body_end:
        h.update(expected(key, size, offset + plain, length - plain))
    return h.digest()


def etag(key: str, size: int) -> str:
    return range_md5(key, size, 0, size).hex()


def part_ranges(size: int, part_size: int) -> list[tuple[int, int]]:
    return [(off, min(part_size, size - off)) for off in range(0, size, part_size)]


def part_etags(key: str, size: int, part_size: int) -> list[str]:
    return [range_md5(key, size, off, n).hex() for off, n in part_ranges(size, part_size)]


def multipart_etag(key: str, size: int, part_size: int) -> str:
    digests = b"".join(bytes.fromhex(e) for e in part_etags(key, size, part_size))
    return f"{hashlib.md5(digests).hexdigest()}-{len(part_ranges(size, part_size))}"
