"""CRC combination: crc(A || B) from crc(A), crc(B) and len(B), without the data.

``awscrt`` (>= 0.27) ships native ``combine_crc32/crc32c/crc64nvme``; they are
used when present. Older ``awscrt`` releases lack them, so this module also
carries the GF(2) polynomial method (zlib's ``crc32_combine``): appending
``len(B)`` zero bytes to A multiplies its CRC register by x^(8*len(B)) modulo the
polynomial, computed with square-and-multiply over a table of x^(2^k).
All three S3 CRCs are reflected with all-ones init and final xor, for which
``combine(a, b, n) = multmodp(x^(8n), a) ^ b`` holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from awscrt import checksums as crt

# Reflected polynomials and widths of the CRCs S3 uses.
POLYS = {
    "CRC32": (0xEDB88320, 32),
    "CRC32C": (0x82F63B78, 32),
    "CRC64NVME": (0x9A6C9329AC4BC9B5, 64),
}
_NATIVE = {"CRC32": "combine_crc32", "CRC32C": "combine_crc32c", "CRC64NVME": "combine_crc64nvme"}


def _multmodp(a: int, b: int, poly: int, width: int) -> int:
    """a(x) * b(x) modulo p(x), in the reflected bit order (x^0 is the top bit)."""
    m = 1 << (width - 1)
    product = 0
    while m:
        if a & m:
            product ^= b
            if not a & (m - 1):
                break
        m >>= 1
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return product


@functools.cache
def _x2n_table(poly: int, width: int) -> tuple[int, ...]:
    """x^(2^k) mod p for k in 0..63."""
    p = 1 << (width - 2)  # x^1
    table = []
    for _ in range(64):
        table.append(p)
        p = _multmodp(p, p, poly, width)
    return tuple(table)


def _x8nmodp(n: int, poly: int, width: int) -> int:
    """x^(8n) mod p."""
    table = _x2n_table(poly, width)
    p = 1 << (width - 1)  # x^0
    k = 3
    while n:
        if n & 1:
            p = _multmodp(table[k & 63], p, poly, width)
        n >>= 1
        k += 1
    return p


def combine_gf2(alg: str, crc1: int, crc2: int, len2: int) -> int:
    poly, width = POLYS[alg]
    return _multmodp(_x8nmodp(len2, poly, width), crc1, poly, width) ^ crc2


def combiner(alg: str) -> Callable[[int, int, int], int]:
    """The native combine for ``alg`` if awscrt has it, else the GF(2) one."""
    native = getattr(crt, _NATIVE[alg], None)
    if native is not None:
        return native  # type: ignore[no-any-return]
    return functools.partial(combine_gf2, alg)
