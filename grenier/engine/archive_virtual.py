"""A virtual Zarr store: Zarr v2 keys, each either a small document kept in the index or a
byte range of an archive file.

:class:`VirtualStore` is what the read path consults for a key under ``X.nc.zarr/`` (one
file) or under a declared aggregation (several files). It is built from kerchunk
references (:mod:`grenier.engine.archive_refs`, :mod:`grenier.engine.archive_aggregations`),
stored in the index (``archive_refs``: zlib-compressed JSON, with the stamp of the files it
was built from) and kept parsed in memory by the engine. A consolidated ``.zmetadata`` is
added so that ``xr.open_zarr`` reads every attribute and array description in one GET.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grenier.engine.model import ListEntry, ListPage

METADATA_SUFFIXES = (".zgroup", ".zattrs", ".zarray")


@dataclass(frozen=True)
class Chunk:
    """``length`` bytes of the archive file ``key`` from ``offset``."""

    key: str
    offset: int
    length: int


@dataclass
class VirtualStore:
    stamp: str  # of the files it was built from (and of the declaration, for aggregations)
    members: dict[str, str]  # archive key -> file stamp when built
    entries: dict[str, bytes | Chunk] = field(default_factory=dict)
    mtime: float = 0.0  # newest member's mtime: the Last-Modified of its documents
    error: str = ""  # non-empty: this store cannot be served (why)
    keys: list[str] = field(default_factory=list)  # sorted in UTF-8 byte order
    encoded: list[bytes] = field(default_factory=list)  # the same, encoded (for bisect)

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = sorted(self.entries, key=lambda k: k.encode("utf-8"))
        self.encoded = [k.encode("utf-8") for k in self.keys]


def make_store(
    refs: dict[str, Any], members: dict[str, str], stamp: str, mtime: float
) -> VirtualStore:
    """A store from references (JSON text, inline bytes or ``[key, offset, length]``),
    with a consolidated ``.zmetadata`` added."""
    entries: dict[str, bytes | Chunk] = {}
    for key, value in refs.items():
        if isinstance(value, list):
            entries[key] = Chunk(value[0], int(value[1]), int(value[2]))
        elif isinstance(value, bytes):
            entries[key] = value
        elif value.startswith("base64:"):
            entries[key] = base64.b64decode(value[7:])
        else:
            entries[key] = value.encode("utf-8")
    entries[".zmetadata"] = consolidated(entries)
    return VirtualStore(stamp, members, entries, mtime)


def consolidated(entries: dict[str, bytes | Chunk]) -> bytes:
    metadata = {
        key: json.loads(value)
        for key, value in sorted(entries.items())
        if key.endswith(METADATA_SUFFIXES) and isinstance(value, bytes)
    }
    doc = {"metadata": metadata, "zarr_consolidated_format": 1}
    return json.dumps(doc, indent=2, sort_keys=True, allow_nan=True).encode()


def to_refs(store: VirtualStore) -> dict[str, Any]:
    """The store as kerchunk references (without the derived ``.zmetadata``): ranges as
    ``[key, offset, length]``, documents as text, other inline bytes in base64."""
    refs: dict[str, Any] = {}
    for key, value in store.entries.items():
        if key == ".zmetadata":
            continue
        if isinstance(value, Chunk):
            refs[key] = [value.key, value.offset, value.length]
            continue
        try:
            refs[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            refs[key] = "base64:" + base64.b64encode(value).decode()
    return refs


def dump(store: VirtualStore) -> bytes:
    """The index form of a store (its ``.zmetadata`` is derived again when loaded)."""
    doc = {"members": store.members, "mtime": store.mtime, "refs": to_refs(store)}
    return zlib.compress(json.dumps(doc).encode(), 6)


def load(blob: bytes, stamp: str) -> VirtualStore:
    doc = json.loads(zlib.decompress(blob))
    return make_store(doc["refs"], doc["members"], stamp, float(doc["mtime"]))


def failed(stamp: str, members: dict[str, str], error: str) -> VirtualStore:
    return VirtualStore(stamp, members, {}, 0.0, error)


def document_etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def chunk_etag(member_etag: str, chunk: Chunk) -> str:
    """Derived from the file's ETag and the range (stable while the file is unchanged;
    like the file's, written as not an MD5)."""
    text = f"{member_etag}:{chunk.offset}:{chunk.length}".encode()
    return hashlib.md5(text, usedforsecurity=False).hexdigest() + "-1"


def list_keys(
    keys: list[str],
    base: str,
    entry_of: Callable[[str], ListEntry],
    *,
    prefix: str,
    delimiter: str,
    marker: str,
    max_keys: int,
    encoded: list[bytes] | None = None,
) -> ListPage:
    """ListObjects over a store's sorted keys (``base`` is the store's key prefix, e.g.
    ``dir/x.nc.zarr/``, and ``prefix`` starts with it): the rules of the index listing —
    byte order, one common prefix per delimiter group, ``max_keys`` counting both, the
    marker exclusive."""
    if marker.startswith(base):
        after = marker[len(base) :].encode("utf-8")
    elif marker.encode("utf-8") < base.encode("utf-8"):
        after = b""
    else:  # the marker sorts after every key of the store
        return ListPage([], [], False)
    rel = prefix[len(base) :]
    encoded = encoded if encoded is not None else [k.encode("utf-8") for k in keys]
    i = bisect.bisect_left(encoded, rel.encode("utf-8"))
    entries: list[ListEntry] = []
    prefixes: list[str] = []
    last = ""
    while i < len(keys) and keys[i].startswith(rel):
        key = keys[i]
        cut = key.find(delimiter, len(rel)) if delimiter else -1
        name = key[: cut + len(delimiter)] if cut >= 0 else key
        raw = name.encode("utf-8")
        if after and raw <= after:
            i = bisect.bisect_left(encoded, raw + b"\xff", i) if cut >= 0 else i + 1
            continue
        if len(entries) + len(prefixes) >= max_keys:
            return ListPage(entries, prefixes, True, base + last)
        if cut >= 0:
            prefixes.append(base + name)
            i = bisect.bisect_left(encoded, raw + b"\xff", i)
        else:
            entries.append(entry_of(key))
            i += 1
        last = name
    return ListPage(entries, prefixes, False)
