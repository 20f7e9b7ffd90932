"""Row <-> record conversion for the index tables."""

from __future__ import annotations

import functools
import json
import sqlite3
from typing import Any

from grenier.engine.model import Bucket, ListEntry, ObjectVersion, Part, Segment, Upload

OBJECT_COLUMNS = (
    "bucket, key, version_id, seq, is_latest, delete_marker, size, etag, last_modified, "
    "meta, checksums, tags, parts, segments, inline"
)


def enc_key(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


def dec_key(raw: bytes) -> str:
    return bytes(raw).decode("utf-8", "surrogatepass")


def bucket_from_row(row: sqlite3.Row | tuple[Any, ...], *, shared: bool = False) -> Bucket:
    """A bucket record. ``shared``: the config dict may be shared with other readers
    (parsed once per distinct text) and must not be modified — for the read path."""
    name, created, owner, versioning, quota, size, objects, config, uploading = row
    parsed = _shared_config(config) if shared else json.loads(config)
    return Bucket(name, created, owner, versioning, quota, size, objects, parsed, uploading)


@functools.lru_cache(maxsize=1024)
def _shared_config(text: str) -> dict[str, Any]:
    return dict(json.loads(text))


def _obj(text: str) -> Any:
    return {} if text == "{}" else json.loads(text)


def _arr(text: str) -> Any:
    return [] if text == "[]" else json.loads(text)


def object_from_row(row: sqlite3.Row | tuple[Any, ...]) -> ObjectVersion:
    """An object version from ``OBJECT_COLUMNS`` (optionally followed by the bucket's
    versioning state, as the read path selects it in the same statement)."""
    (bucket, key, vid, seq, latest, dm, size, etag, lm, meta, sums, tags, parts, segs, inline) = (
        row[:15]
    )
    return ObjectVersion(
        bucket=bucket,
        key=dec_key(key),
        version_id=vid,
        is_latest=bool(latest),
        delete_marker=bool(dm),
        size=size,
        etag=etag,
        last_modified=lm,
        meta=_obj(meta),
        checksums=_obj(sums),
        tags=_obj(tags),
        parts=_arr(parts),
        segments=[Segment(f, s) for f, s in _arr(segs)],
        inline=bytes(inline) if inline is not None else None,
        seq=seq,
        bucket_versioning=row[15] if len(row) > 15 else None,
    )


def entry_from_object(obj: ObjectVersion, owner: str) -> ListEntry:
    return ListEntry(
        key=obj.key,
        size=obj.size,
        etag=obj.etag,
        last_modified=obj.last_modified,
        version_id=obj.version_id,
        is_latest=obj.is_latest,
        delete_marker=obj.delete_marker,
        owner=owner,
        checksum_algorithms=sorted(obj.checksums),
    )


def upload_from_row(row: tuple[Any, ...]) -> Upload:
    upload_id, bucket, key, created, meta, alg, ctype = row
    return Upload(upload_id, bucket, dec_key(key), created, json.loads(meta), alg, ctype)


def part_from_row(row: tuple[Any, ...]) -> Part:
    number, size, etag, lm, sums, file = row
    return Part(number, size, etag, lm, json.loads(sums), file)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
