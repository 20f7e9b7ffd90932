"""Object versions in the index: the transactions behind PUT, DELETE and GET.

Functions named ``txn_*`` run inside the committer's transaction; they raise
:class:`EngineError` to refuse (the transaction's savepoint is rolled back) and
record data files that lost their last reference in ``garbage`` so they are removed
after the commit, or at the next start if the process dies first.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from grenier.engine.errors import EngineError, no_such_bucket, no_such_key
from grenier.engine.files import add_garbage
from grenier.engine.model import (
    NULL_VERSION,
    DeleteOutcome,
    NewObject,
    ObjectVersion,
    Segment,
    Staged,
    WriteConditions,
)
from grenier.engine.rows import OBJECT_COLUMNS, dumps, enc_key, object_from_row


def new_version_id() -> str:
    # Time-prefixed so that ids sort roughly by creation, random for uniqueness.
    return f"{int(time.time() * 1000):012x}" + secrets.token_hex(10)


def bucket_row(conn: sqlite3.Connection, bucket: str) -> tuple[str, int | None, int]:
    """Versioning state, quota, and the bytes counting against it (object versions and
    incomplete multipart uploads)."""
    row = conn.execute(
        "SELECT versioning, quota, size + uploading FROM buckets WHERE name = ?", (bucket,)
    ).fetchone()
    if row is None:
        raise no_such_bucket(bucket)
    return row[0], row[1], row[2]


def latest(conn: sqlite3.Connection, bucket: str, key: str) -> ObjectVersion | None:
    return _read(conn, bucket, key, None)


def version(conn: sqlite3.Connection, bucket: str, key: str, vid: str) -> ObjectVersion | None:
    return _read(conn, bucket, key, vid)


READ_SQL = (
    f"SELECT {OBJECT_COLUMNS}, (SELECT versioning FROM buckets WHERE name = objects.bucket) "
    "FROM objects WHERE bucket = ? AND key = ? AND "
)


def _read(conn: sqlite3.Connection, bucket: str, key: str, vid: str | None) -> ObjectVersion | None:
    """The latest version (``vid`` None) or one version, with its bucket's versioning
    state read in the same statement (GET/HEAD need both)."""
    if vid is None:
        row = conn.execute(READ_SQL + "is_latest = 1", (bucket, enc_key(key))).fetchone()
    else:
        row = conn.execute(READ_SQL + "version_id = ?", (bucket, enc_key(key), vid)).fetchone()
    return object_from_row(row) if row else None


def get(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None = None
) -> ObjectVersion:
    """The version to read. A latest delete marker reads as NoSuchKey (with details)."""
    if version_id is None:
        obj = latest(conn, bucket, key)
        if obj is None:
            _ensure_bucket(conn, bucket)
            raise no_such_key(key)
        if obj.delete_marker:
            raise EngineError("NoSuchKey", key=key, delete_marker="true", version_id=obj.version_id)
        return obj
    obj = version(conn, bucket, key, version_id)
    if obj is None:
        _ensure_bucket(conn, bucket)
        raise EngineError("NoSuchVersion", key=key, version_id=version_id)
    return obj


def _ensure_bucket(conn: sqlite3.Connection, bucket: str) -> None:
    if conn.execute("SELECT 1 FROM buckets WHERE name = ?", (bucket,)).fetchone() is None:
        raise no_such_bucket(bucket)


def check_conditions(current: ObjectVersion | None, cond: WriteConditions | None, key: str) -> None:
    if cond is None:
        return
    live = current is not None and not current.delete_marker
    if cond.if_none_match is not None:
        if cond.if_none_match == "*" and live:
            raise EngineError("PreconditionFailed", key=key, condition="If-None-Match")
        if live and current is not None and cond.if_none_match == current.etag:
            raise EngineError("PreconditionFailed", key=key, condition="If-None-Match")
    if cond.if_match is not None:
        if not live:
            raise no_such_key(key)
        assert current is not None
        if cond.if_match != "*" and cond.if_match != current.etag:
            raise EngineError("PreconditionFailed", key=key, condition="If-Match")


def _files_of(obj: ObjectVersion) -> list[str]:
    return [seg.file for seg in obj.segments]


def _discard_version(conn: sqlite3.Connection, obj: ObjectVersion) -> int:
    """Remove one version row; its files go to garbage. Returns the bytes freed."""
    conn.execute(
        "DELETE FROM objects WHERE bucket = ? AND key = ? AND version_id = ?",
        (obj.bucket, enc_key(obj.key), obj.version_id),
    )
    for rel in _files_of(obj):
        add_garbage(conn, rel)
    count = 0 if obj.delete_marker else 1
    conn.execute(
        "UPDATE buckets SET size = size - ?, objects = objects - ? WHERE name = ?",
        (obj.size, count, obj.bucket),
    )
    return obj.size


def _next_seq(conn: sqlite3.Connection, bucket: str, key: str) -> int:
    row = conn.execute(
        "SELECT seq FROM objects WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1",
        (bucket, enc_key(key)),
    ).fetchone()
    return (row[0] if row else 0) + 1


def txn_put(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    data: Staged,
    segments: list[Segment],
    new: NewObject,
    cond: WriteConditions | None = None,
    now: float | None = None,
) -> ObjectVersion:
    versioning, quota, used = bucket_row(conn, bucket)
    current = latest(conn, bucket, key)
    check_conditions(current, cond, key)
    vid = new_version_id() if versioning == "Enabled" else NULL_VERSION
    freed = 0
    if vid == NULL_VERSION:
        old_null = current if current and current.version_id == NULL_VERSION else None
        old_null = old_null or version(conn, bucket, key, NULL_VERSION)
        if old_null is not None:
            freed = _discard_version(conn, old_null)
    if quota is not None and used - freed + data.size > quota:
        raise EngineError("QuotaExceeded", bucket=bucket)
    conn.execute(
        "UPDATE objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
        (bucket, enc_key(key)),
    )
    obj = ObjectVersion(
        bucket=bucket,
        key=key,
        version_id=vid,
        is_latest=True,
        delete_marker=False,
        size=data.size,
        etag=new.etag or data.md5_hex,
        last_modified=now if now is not None else time.time(),
        meta=new.meta,
        checksums=new.checksums or data.checksums,
        tags=new.tags,
        parts=new.parts,
        segments=segments,
        inline=data.inline,
        seq=_next_seq(conn, bucket, key),
    )
    _insert(conn, obj)
    conn.execute(
        "UPDATE buckets SET size = size + ?, objects = objects + 1 WHERE name = ?",
        (obj.size, bucket),
    )
    return obj


def _insert(conn: sqlite3.Connection, obj: ObjectVersion) -> None:
    conn.execute(
        f"INSERT INTO objects ({OBJECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            obj.bucket,
            enc_key(obj.key),
            obj.version_id,
            obj.seq,
            int(obj.is_latest),
            int(obj.delete_marker),
            obj.size,
            obj.etag,
            obj.last_modified,
            dumps(obj.meta),
            dumps(obj.checksums),
            dumps(obj.tags),
            dumps(obj.parts),
            dumps([[s.file, s.size] for s in obj.segments]),
            obj.inline,
        ),
    )


def _add_delete_marker(conn: sqlite3.Connection, bucket: str, key: str, vid: str) -> None:
    conn.execute(
        "UPDATE objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1",
        (bucket, enc_key(key)),
    )
    marker = ObjectVersion(
        bucket=bucket,
        key=key,
        version_id=vid,
        is_latest=True,
        delete_marker=True,
        size=0,
        etag="",
        last_modified=time.time(),
        seq=_next_seq(conn, bucket, key),
    )
    _insert(conn, marker)


def _promote_newest(conn: sqlite3.Connection, bucket: str, key: str) -> None:
    conn.execute(
        "UPDATE objects SET is_latest = 1 WHERE id = (SELECT id FROM objects WHERE bucket = ? "
        "AND key = ? ORDER BY seq DESC LIMIT 1)",
        (bucket, enc_key(key)),
    )


def txn_delete(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None = None
) -> DeleteOutcome:
    versioning, _quota, _used = bucket_row(conn, bucket)
    if version_id is not None:
        obj = version(conn, bucket, key, version_id)
        if obj is None:
            return DeleteOutcome(version_id=version_id)
        _discard_version(conn, obj)
        if obj.is_latest:
            _promote_newest(conn, bucket, key)
        return DeleteOutcome(version_id=version_id, delete_marker=obj.delete_marker)
    if versioning == "":
        current = latest(conn, bucket, key)
        if current is not None:
            _discard_version(conn, current)
        return DeleteOutcome()
    if versioning == "Enabled":
        vid = new_version_id()
    else:
        vid = NULL_VERSION
        old_null = version(conn, bucket, key, NULL_VERSION)
        if old_null is not None:
            _discard_version(conn, old_null)
    _add_delete_marker(conn, bucket, key, vid)
    return DeleteOutcome(version_id=vid, delete_marker=True)


def txn_update_tags(
    conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None, tags: dict[str, str]
) -> ObjectVersion:
    obj = get(conn, bucket, key, version_id)
    if obj.delete_marker:
        raise EngineError("MethodNotAllowed", key=key)
    conn.execute(
        "UPDATE objects SET tags = ? WHERE bucket = ? AND key = ? AND version_id = ?",
        (dumps(tags), bucket, enc_key(key), obj.version_id),
    )
    obj.tags = tags
    return obj


def txn_update_meta(
    conn: sqlite3.Connection,
    bucket: str,
    key: str,
    version_id: str | None,
    changes: dict[str, Any],
    expect_etag: str | None = None,
) -> ObjectVersion | None:
    """Set (value not None) or remove (None) metadata entries of one version in place,
    e.g. its canned ACL. With ``expect_etag``, only if the version still has that ETag
    (returns None when it does not)."""
    obj = get(conn, bucket, key, version_id)
    if obj.delete_marker:
        raise EngineError("MethodNotAllowed", key=key)
    if expect_etag is not None and obj.etag != expect_etag:
        return None
    for name, value in changes.items():
        if value is None:
            obj.meta.pop(name, None)
        else:
            obj.meta[name] = value
    conn.execute(
        "UPDATE objects SET meta = ? WHERE bucket = ? AND key = ? AND version_id = ?",
        (dumps(obj.meta), bucket, enc_key(key), obj.version_id),
    )
    return obj
