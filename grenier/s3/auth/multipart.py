"""Whole-object checksums of multipart uploads, from what each part stored.

* ETag: ``md5(md5(part1) || md5(part2) ...)-N``.
* COMPOSITE checksum: the algorithm over the concatenated binary part checksums,
  suffixed ``-N`` (any algorithm).
* FULL_OBJECT checksum (CRC algorithms only): the CRC of the whole object, obtained
  by combining the part CRCs with their lengths (see :mod:`crc_combine`).
"""

from __future__ import annotations

import base64
import hashlib

from grenier.s3.auth.checksums import decode_b64, new_checksum
from grenier.s3.auth.crc_combine import POLYS, combiner

CRC_ALGORITHMS = tuple(POLYS)


def multipart_etag(part_md5_hexes: list[str]) -> str:
    """``<hex>-N`` (no quotes) from the parts' MD5 hex digests (quotes tolerated)."""
    joined = b"".join(bytes.fromhex(h.strip('"')) for h in part_md5_hexes)
    return f"{hashlib.md5(joined).hexdigest()}-{len(part_md5_hexes)}"


def _raw(alg: str, value: str) -> bytes:
    raw = decode_b64(value, alg)
    if raw is None:
        raise ValueError(f"malformed {alg} checksum {value!r}")
    return raw


def composite_checksum(alg: str, part_b64s: list[str]) -> str:
    """``<b64>-N``: ``alg`` over the concatenated binary checksums of the parts."""
    alg = alg.upper()
    hasher = new_checksum(alg)
    hasher.update(b"".join(_raw(alg, value) for value in part_b64s))
    return f"{hasher.b64digest()}-{len(part_b64s)}"


def combine_crc(alg: str, parts: list[tuple[str, int]]) -> str:
    """FULL_OBJECT CRC (base64) from ``[(part_crc_b64, part_length), ...]``."""
    alg = alg.upper()
    if alg not in POLYS:
        raise ValueError(f"{alg} cannot be combined into a full-object checksum")
    size = POLYS[alg][1] // 8
    combine = combiner(alg)
    crc = 0  # the CRC of no data
    for value, length in parts:
        crc = combine(crc, int.from_bytes(_raw(alg, value), "big"), length)
    return base64.b64encode(crc.to_bytes(size, "big")).decode()
