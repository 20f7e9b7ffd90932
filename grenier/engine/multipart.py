"""Multipart uploads in the index: uploads, parts, and completion without copying.

Each part is its own data file. Completing an upload does not concatenate them: the
new object version simply lists the parts' files as its segments, so completing a
1 GiB upload is a metadata transaction.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from grenier.engine.errors import EngineError
from grenier.engine.files import add_garbage
from grenier.engine.model import (
    CompletedPart,
    NewObject,
    Part,
    Segment,
    Staged,
    Upload,
    WriteConditions,
)
from grenier.engine.objects import bucket_row, txn_put
from grenier.engine.rows import dec_key, dumps, enc_key, part_from_row, upload_from_row

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10000


def new_upload_id() -> str:
    return secrets.token_urlsafe(32)


def txn_create(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    meta: dict[str, Any],
    checksum_algorithm: str | None,
    checksum_type: str | None,
) -> Upload:
    bucket_row(conn, bucket)
    upload = Upload(
        new_upload_id(), bucket, key, time.time(), meta, checksum_algorithm, checksum_type
    )
    conn.execute(
        "INSERT INTO uploads (upload_id, bucket, key, created, meta, checksum_algorithm, "
        "checksum_type) VALUES (?,?,?,?,?,?,?)",
        (
            upload.upload_id,
            bucket,
            enc_key(key),
            upload.created,
            dumps(meta),
            checksum_algorithm,
            checksum_type,
        ),
    )
    return upload


def get_upload(conn: sqlite3.Connection, bucket: str, key: str, upload_id: str) -> Upload:
    row = conn.execute(
        "SELECT upload_id, bucket, key, created, meta, checksum_algorithm, checksum_type "
        "FROM uploads WHERE upload_id = ?",
        (upload_id,),
    ).fetchone()
    if row is None or row[1] != bucket or dec_key(row[2]) != key:
        bucket_row(conn, bucket)
        raise EngineError("NoSuchUpload", upload_id=upload_id)
    return upload_from_row(row)


def txn_put_part(
    conn: sqlite3.Connection, bucket: str, key: str, upload_id: str, number: int, data: Staged
) -> Part:
    """Store a part; its bytes count against the bucket's quota until the upload is
    completed (then as the object's) or aborted (then not at all)."""
    get_upload(conn, bucket, key, upload_id)
    _versioning, quota, used = bucket_row(conn, bucket)
    old = conn.execute(
        "SELECT file, size FROM parts WHERE upload_id = ? AND number = ?", (upload_id, number)
    ).fetchone()
    freed = old[1] if old is not None else 0
    if quota is not None and used - freed + data.size > quota:
        raise EngineError("QuotaExceeded", bucket=bucket)
    if old is not None and old[0]:
        add_garbage(conn, old[0])
    _add_uploading(conn, bucket, data.size - freed)
    part = Part(number, data.size, data.md5_hex, time.time(), data.checksums, data.file)
    conn.execute(
        "INSERT OR REPLACE INTO parts (upload_id, number, size, etag, last_modified, checksums, "
        "file) VALUES (?,?,?,?,?,?,?)",
        (
            upload_id,
            number,
            part.size,
            part.etag,
            part.last_modified,
            dumps(part.checksums),
            part.file,
        ),
    )
    return part


def part_size(conn: sqlite3.Connection, upload_id: str, number: int) -> int:
    """Bytes of a stored part (0 if there is none)."""
    row = conn.execute(
        "SELECT size FROM parts WHERE upload_id = ? AND number = ?", (upload_id, number)
    ).fetchone()
    return int(row[0]) if row else 0


def list_parts(
    conn: sqlite3.Connection, upload_id: str, marker: int = 0, limit: int = 1000
) -> list[Part]:
    rows = conn.execute(
        "SELECT number, size, etag, last_modified, checksums, file FROM parts "
        "WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?",
        (upload_id, marker, limit),
    )
    return [part_from_row(r) for r in rows]


def _add_uploading(conn: sqlite3.Connection, bucket: str, delta: int) -> None:
    if delta:
        conn.execute("UPDATE buckets SET uploading = uploading + ? WHERE name = ?", (delta, bucket))


def _release_parts(conn: sqlite3.Connection, bucket: str, upload_id: str, keep: set[str]) -> None:
    """Forget the upload and its parts; files not in ``keep`` go to garbage, and the
    parts' bytes stop counting as an incomplete upload."""
    released = 0
    for file, size in conn.execute(
        "SELECT file, size FROM parts WHERE upload_id = ?", (upload_id,)
    ).fetchall():
        released += size
        if file and file not in keep:
            add_garbage(conn, file)
    _add_uploading(conn, bucket, -released)
    conn.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
    conn.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))


def txn_abort(conn: sqlite3.Connection, bucket: str, key: str, upload_id: str) -> None:
    get_upload(conn, bucket, key, upload_id)
    _release_parts(conn, bucket, upload_id, set())


def _check_parts(requested: list[CompletedPart], stored: dict[int, Part]) -> list[Part]:
    if not requested:
        raise EngineError("MalformedXML", message="no parts")
    chosen: list[Part] = []
    previous = 0
    for item in requested:
        if item.number <= previous:
            raise EngineError("InvalidPartOrder")
        previous = item.number
        part = stored.get(item.number)
        if part is None or (item.etag and item.etag != part.etag):
            raise EngineError("InvalidPart", part=str(item.number))
        for alg, value in item.checksums.items():
            if part.checksums.get(alg) not in (None, value):
                raise EngineError("InvalidPart", part=str(item.number))
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EngineError("EntityTooSmall", part=str(part.number), size=str(part.size))
    return chosen


def txn_complete(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    upload_id: str,
    requested: list[CompletedPart],
    etag: Any,
    checksum: Any,
    cond: WriteConditions | None,
) -> tuple[Any, Upload, list[Part]]:
    """Turn the upload into an object version. ``etag``/``checksum`` are callables that
    compute the multipart ETag and the object checksums from the chosen parts."""
    upload = get_upload(conn, bucket, key, upload_id)
    stored = {p.number: p for p in list_parts(conn, upload_id, 0, MAX_PARTS + 1)}
    chosen = _check_parts(requested, stored)
    size = sum(p.size for p in chosen)
    new = NewObject(
        meta=upload.meta.get("meta", {}),
        tags=upload.meta.get("tags", {}),
        etag=etag(chosen),
        checksums=checksum(upload, chosen),
        parts=[p.size for p in chosen],
    )
    staged = Staged(size=size, md5_hex=new.etag)
    segments = [Segment(p.file, p.size) for p in chosen if p.file and p.size]
    # The parts stop counting as an upload before they count as the object (the quota
    # check in txn_put sees each byte once).
    _release_parts(conn, bucket, upload_id, {p.file for p in chosen if p.file})
    obj = txn_put(conn, bucket, key, staged, segments, new, cond)
    return obj, upload, chosen


def list_uploads(
    conn: sqlite3.Connection,
    bucket: str,
    prefix: str = "",
    key_marker: str = "",
    upload_id_marker: str = "",
    limit: int = 1000,
) -> list[Upload]:
    bprefix = enc_key(prefix)
    rows = conn.execute(
        "SELECT upload_id, bucket, key, created, meta, checksum_algorithm, checksum_type "
        "FROM uploads WHERE bucket = ? AND key >= ? ORDER BY key, created LIMIT ?",
        (bucket, max(bprefix, enc_key(key_marker)), limit * 4 + 1),
    )
    result: list[Upload] = []
    passed_marker = not upload_id_marker
    for row in rows:
        up = upload_from_row(row)
        kb = enc_key(up.key)
        if not kb.startswith(bprefix):
            break
        if key_marker and (
            kb < enc_key(key_marker) or (kb == enc_key(key_marker) and not upload_id_marker)
        ):
            continue
        if key_marker and kb == enc_key(key_marker) and not passed_marker:
            if up.upload_id == upload_id_marker:
                passed_marker = True
            continue
        result.append(up)
        if len(result) > limit:
            break
    return result
