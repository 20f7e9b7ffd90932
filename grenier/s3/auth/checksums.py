"""The checksum algorithms S3 accepts, as incremental hashers.

CRCs come from ``awscrt.checksums`` (native, what botocore itself uses), SHA from
``hashlib``. Each hasher owns its state only, so ``update`` may run in a worker
thread; feed it big pieces (``hashlib`` releases the GIL past 2 KiB).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Protocol

from awscrt import checksums as crt

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
DIGEST_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32, "MD5": 16}


class Checksum(Protocol):
    def update(self, data: bytes) -> None: ...
    def digest(self) -> bytes: ...
    def b64digest(self) -> str: ...


class CrcChecksum:
    """A CRC kept as an int and advanced by an ``awscrt`` function."""

    def __init__(self, fn: Callable[[bytes, int], int], size: int) -> None:
        self._fn = fn
        self._size = size
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = self._fn(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(self._size, "big")

    def b64digest(self) -> str:
        return base64.b64encode(self.digest()).decode()


class HashChecksum:
    """A ``hashlib`` hash behind the same interface."""

    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()

    def b64digest(self) -> str:
        return base64.b64encode(self.digest()).decode()


def new_checksum(alg: str) -> Checksum:
    """A fresh hasher for one of :data:`ALGORITHMS` (or ``MD5``)."""
    match alg.upper():
        case "CRC32":
            return CrcChecksum(crt.crc32, 4)
        case "CRC32C":
            return CrcChecksum(crt.crc32c, 4)
        case "CRC64NVME":
            return CrcChecksum(crt.crc64nvme, 8)
        case "SHA1" | "SHA256" | "MD5" as name:
            return HashChecksum(name.lower())
    raise ValueError(f"unknown checksum algorithm {alg!r}")


def decode_b64(value: str, alg: str) -> bytes | None:
    """The raw digest in a base64 value, or None if malformed for ``alg``."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == DIGEST_SIZES[alg] else None
