"""Lifecycle rules applied as engine transactions (the sweep).

A rule is plain data (:class:`Rule`, built from the JSON form the S3 layer stores in
``bucket.config["lifecycle"]``). The sweep walks one rule's key range in batches of
keys, each batch one transaction, so a sweep never holds the writer for long and a
crash mid-sweep only means the next sweep finishes the work.

Actions, as S3 applies them:

* ``Expiration`` (Days or Date) on the *current* version: the same as a DELETE without
  a version id (unversioned: removed; Enabled: a delete marker; Suspended: a null
  delete marker replacing the null version).
* ``ExpiredObjectDeleteMarker``: a latest delete marker with no other version left
  is removed.
* ``NoncurrentVersionExpiration``: a noncurrent version is removed ``NoncurrentDays``
  after it became noncurrent (when its successor was written), keeping the
  ``NewerNoncurrentVersions`` newest noncurrent versions whatever their age.
* ``AbortIncompleteMultipartUpload``: uploads older than ``DaysAfterInitiation``.

Ages are measured in "days" of ``day_seconds`` seconds, so tests can shrink a day; as on
AWS, a due time is rounded up to the next day boundary (midnight UTC).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grenier.engine import multipart
from grenier.engine.model import ObjectVersion
from grenier.engine.objects import txn_delete
from grenier.engine.rows import OBJECT_COLUMNS, dec_key, enc_key, object_from_row

DAY = 86400.0
BATCH_KEYS = 200


@dataclass(frozen=True)
class Rule:
    id: str
    enabled: bool = True
    prefix: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    size_gt: int | None = None
    size_lt: int | None = None
    expire_days: int | None = None
    expire_date: float | None = None  # epoch seconds
    expired_delete_marker: bool = False
    noncurrent_days: int | None = None
    newer_noncurrent: int | None = None
    abort_days: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """From the stored JSON form (see ``grenier.s3.handlers.lifecycle``)."""
        flt = data.get("Filter", {})
        exp = data.get("Expiration", {})
        nc = data.get("NoncurrentVersionExpiration", {})
        abort = data.get("AbortIncompleteMultipartUpload", {})
        return cls(
            id=str(data.get("ID", "")),
            enabled=data.get("Status") == "Enabled",
            prefix=str(flt.get("Prefix") or ""),
            tags=tuple((str(k), str(v)) for k, v in flt.get("Tags", [])),
            size_gt=flt.get("ObjectSizeGreaterThan"),
            size_lt=flt.get("ObjectSizeLessThan"),
            expire_days=exp.get("Days"),
            expire_date=exp.get("DateEpoch"),
            expired_delete_marker=bool(exp.get("ExpiredObjectDeleteMarker")),
            noncurrent_days=nc.get("NoncurrentDays"),
            newer_noncurrent=nc.get("NewerNoncurrentVersions"),
            abort_days=abort.get("DaysAfterInitiation"),
        )

    def matches(self, obj: ObjectVersion) -> bool:
        """Prefix, tag and size filters (a delete marker has no tags and no size)."""
        if not obj.key.startswith(self.prefix):
            return False
        if self.tags and (obj.delete_marker or any(obj.tags.get(k) != v for k, v in self.tags)):
            return False
        if self.size_gt is not None and not obj.size > self.size_gt:
            return False
        return self.size_lt is None or obj.size < self.size_lt

    @property
    def touches_objects(self) -> bool:
        return bool(
            self.expire_days
            or self.expire_date is not None
            or self.expired_delete_marker
            or self.noncurrent_days is not None
            or self.newer_noncurrent is not None
        )


@dataclass
class SweepStats:
    expired: int = 0  # current versions expired (deleted or hidden by a delete marker)
    noncurrent_removed: int = 0
    markers_removed: int = 0
    uploads_aborted: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SweepStats) -> None:
        self.expired += other.expired
        self.noncurrent_removed += other.noncurrent_removed
        self.markers_removed += other.markers_removed
        self.uploads_aborted += other.uploads_aborted
        self.errors += other.errors


def _versions(conn: sqlite3.Connection, bucket: str, key: bytes) -> list[ObjectVersion]:
    rows = conn.execute(
        f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ? ORDER BY seq DESC",
        (bucket, key),
    )
    return [object_from_row(r) for r in rows]


def _expire_noncurrent(
    conn: sqlite3.Connection, rule: Rule, versions: list[ObjectVersion], now: float, day: float
) -> int:
    removed = 0
    kept = 0
    for idx, obj in enumerate(versions):
        if obj.is_latest or idx == 0:
            continue
        if not rule.matches(obj):
            continue
        became_noncurrent = versions[idx - 1].last_modified
        if rule.newer_noncurrent is not None and kept < rule.newer_noncurrent:
            kept += 1
            continue
        days = rule.noncurrent_days or 0
        if now >= due(became_noncurrent, days, day):
            txn_delete(conn, obj.bucket, obj.key, obj.version_id)
            removed += 1
    return removed


def due(start: float, days: int, day: float) -> float:
    """When an action of ``days`` days falls due for something that started at ``start``:
    AWS adds the days, then rounds up to the next midnight UTC (a multiple of ``day``)."""
    return math.ceil((start + days * day) / day) * day


def _current_expired(rule: Rule, current: ObjectVersion, now: float, day: float) -> bool:
    if current.delete_marker or not rule.matches(current):
        return False
    if rule.expire_date is not None and now >= rule.expire_date:
        return True
    return bool(rule.expire_days) and now >= due(current.last_modified, rule.expire_days or 0, day)


def _sweep_key(
    conn: sqlite3.Connection, bucket: str, key: bytes, rule: Rule, now: float, day: float
) -> SweepStats:
    stats = SweepStats()
    versions = _versions(conn, bucket, key)
    if not versions:
        return stats
    if rule.noncurrent_days is not None or rule.newer_noncurrent is not None:
        stats.noncurrent_removed += _expire_noncurrent(conn, rule, versions, now, day)
    current = versions[0]
    if current.is_latest and _current_expired(rule, current, now, day):
        txn_delete(conn, bucket, current.key, None)
        stats.expired += 1
    if rule.expired_delete_marker and not rule.tags:
        left = _versions(conn, bucket, key)
        if len(left) == 1 and left[0].delete_marker and left[0].key.startswith(rule.prefix):
            txn_delete(conn, bucket, left[0].key, left[0].version_id)
            stats.markers_removed += 1
    return stats


def txn_sweep_keys(
    conn: sqlite3.Connection,
    bucket: str,
    rule: Rule,
    after: str | None,
    now: float,
    day: float = DAY,
    limit: int = BATCH_KEYS,
) -> tuple[SweepStats, str | None]:
    """Apply ``rule`` to up to ``limit`` keys after ``after`` (None: from the start of the
    rule's prefix). Returns the stats and the last key seen (None when the range is done)."""
    stats = SweepStats()
    lo = enc_key(rule.prefix) if after is None else enc_key(after)
    op = ">=" if after is None else ">"
    params: list[Any] = [bucket, lo]
    bound = ""
    if rule.prefix:
        bound = " AND key < ?"
        params.append(enc_key(rule.prefix) + b"\xff")
    rows = conn.execute(
        f"SELECT DISTINCT key FROM objects INDEXED BY objects_versions WHERE bucket = ? "
        f"AND key {op} ?{bound} ORDER BY key LIMIT {int(limit)}",
        params,
    ).fetchall()
    for (raw,) in rows:
        stats.add(_sweep_key(conn, bucket, bytes(raw), rule, now, day))
    last = dec_key(bytes(rows[-1][0])) if len(rows) == limit else None
    return stats, last


def txn_abort_uploads(
    conn: sqlite3.Connection, bucket: str, rule: Rule, now: float, day: float = DAY
) -> SweepStats:
    """Abort the rule's incomplete multipart uploads older than DaysAfterInitiation."""
    stats = SweepStats()
    if rule.abort_days is None or not rule.enabled:
        return stats
    # due(created) <= now  <=>  created <= floor((now - days * day) / day) * day
    cutoff = math.floor((now - rule.abort_days * day) / day) * day
    rows = conn.execute(
        "SELECT upload_id, key FROM uploads WHERE bucket = ? AND created <= ? LIMIT 1000",
        (bucket, cutoff),
    ).fetchall()
    for upload_id, raw in rows:
        key = dec_key(bytes(raw))
        if key.startswith(rule.prefix):
            multipart.txn_abort(conn, bucket, key, upload_id)
            stats.uploads_aborted += 1
    return stats


def rules_of(config: Mapping[str, Any]) -> list[Rule]:
    """The enabled rules stored in a bucket's config."""
    stored = config.get("lifecycle") or {}
    return [r for r in (Rule.from_dict(d) for d in stored.get("Rules", [])) if r.enabled]
