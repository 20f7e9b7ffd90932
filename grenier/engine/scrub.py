"""Scrub: re-hash every stored object against its recorded checksum.

Every object version's bytes (its data files, or its inline bytes) are read again and
checked against what was recorded when it was written: the size of each data file, and
the ETag — the MD5 of the bytes, or for a multipart object the MD5 of its parts' MD5s,
recomputed part by part from the recorded part sizes. The parts of incomplete multipart
uploads are checked against their own ETags too. Damage is reported as

* ``missing``: a data file is gone;
* ``truncated``: a data file holds fewer (or more) bytes than recorded;
* ``bitrot``: the bytes are all there but no longer hash to the recorded ETag.

A damaged version whose key has another version with the same ETag and size that
checks out names it as a good copy; ``repair`` then points the damaged version at new
links to the good copy's files (the damaged files go to garbage). A copy made with
CopyObject shares its source's files (hard links), so it shares its damage too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from grenier.engine.files import FileStore, add_garbage
from grenier.engine.model import ObjectVersion, Segment
from grenier.engine.reading import CHUNK
from grenier.engine.rows import OBJECT_COLUMNS, dumps, enc_key, object_from_row

MD5_ETAG = re.compile(r"^[0-9a-f]{32}(-[0-9]+)?$")


@dataclass
class Damage:
    bucket: str
    key: str
    version_id: str  # or "upload UPLOAD_ID part N" for an incomplete upload's part
    problem: str  # missing | truncated | bitrot
    detail: str
    good_copy: str | None = None  # version id of an intact version with the same bytes
    repaired: bool = False


@dataclass
class ScrubReport:
    versions: int = 0  # object versions checked (delete markers excluded)
    parts: int = 0  # parts of incomplete multipart uploads checked
    bytes: int = 0
    damaged: list[Damage] = field(default_factory=list)

    @property
    def repaired(self) -> int:
        return sum(1 for d in self.damaged if d.repaired)


class Damaged(Exception):
    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def _stream(files: FileStore, obj: ObjectVersion) -> Iterator[bytes]:
    """The version's bytes, checking each data file's size first."""
    if obj.inline is not None or not obj.segments:
        yield obj.inline or b""
        return
    for seg in obj.segments:
        try:
            fd = os.open(files.path_str(seg.file), os.O_RDONLY)
        except FileNotFoundError:
            raise Damaged("missing", f"data file {seg.file} is missing") from None
        try:
            actual = os.fstat(fd).st_size
            if actual != seg.size:
                raise Damaged(
                    "truncated", f"data file {seg.file} holds {actual} bytes, {seg.size} recorded"
                )
            pos = 0
            while pos < seg.size:
                data = os.pread(fd, min(CHUNK, seg.size - pos), pos)
                if not data:
                    raise Damaged("truncated", f"data file {seg.file} ends at {pos} bytes")
                yield data
                pos += len(data)
        finally:
            os.close(fd)


def _etag_of(chunks: Iterator[bytes], parts: list[int]) -> str:
    """The ETag the bytes give: their MD5, or with ``parts`` (sizes), the multipart ETag."""
    if not parts:
        digest = hashlib.md5()
        for data in chunks:
            digest.update(data)
        return digest.hexdigest()
    md5s: list[bytes] = []
    sizes = iter(parts)
    left = next(sizes)
    current = hashlib.md5()
    for data in chunks:
        view = memoryview(data)
        while view:
            while left == 0:
                md5s.append(current.digest())
                current, left = hashlib.md5(), next(sizes)
            take = min(left, len(view))
            current.update(view[:take])
            view, left = view[take:], left - take
    md5s.append(current.digest())
    md5s += [hashlib.md5().digest() for _ in sizes]  # trailing empty parts
    return f"{hashlib.md5(b''.join(md5s)).hexdigest()}-{len(parts)}"


def check_version(files: FileStore, obj: ObjectVersion) -> Damage | None:
    """Re-hash one version; its damage, or None when intact."""
    try:
        multipart = "-" in obj.etag
        if not MD5_ETAG.match(obj.etag) or (multipart and not obj.parts):  # sizes only
            for _ in _stream(files, obj):
                pass
            return None
        etag = _etag_of(_stream(files, obj), obj.parts if multipart else [])
    except Damaged as exc:
        return Damage(obj.bucket, obj.key, obj.version_id, exc.problem, exc.detail)
    if etag != obj.etag:
        return Damage(
            obj.bucket, obj.key, obj.version_id, "bitrot",
            f"the bytes hash to {etag}, {obj.etag} recorded",
        )  # fmt: skip
    return None


def versions(
    conn: sqlite3.Connection, bucket: str | None, batch: int = 200
) -> Iterator[list[ObjectVersion]]:
    """Every version (no delete markers) one key at a time, in key order. Keys are read in
    batches, so no read transaction stays open for the whole scrub (it would hold back
    the WAL checkpoints)."""
    after: tuple[str, bytes] = ("", b"")
    scope = " AND bucket = ?" if bucket else ""
    while True:
        keys = conn.execute(
            "SELECT DISTINCT bucket, key FROM objects WHERE delete_marker = 0 "
            f"AND (bucket > ? OR (bucket = ? AND key > ?)){scope} ORDER BY bucket, key LIMIT ?",
            (after[0], after[0], after[1], *((bucket,) if bucket else ()), batch),
        ).fetchall()
        for name, key in keys:
            rows = conn.execute(
                f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ? "
                "AND delete_marker = 0 ORDER BY seq DESC",
                (name, key),
            ).fetchall()
            yield [object_from_row(r) for r in rows]
        if len(keys) < batch:
            return
        after = (keys[-1][0], bytes(keys[-1][1]))


def check_parts(
    conn: sqlite3.Connection, files: FileStore, bucket: str | None, report: ScrubReport
) -> None:
    """The stored parts of incomplete multipart uploads, against their own ETags."""
    where = " WHERE u.bucket = ?" if bucket else ""
    rows = conn.execute(
        "SELECT u.bucket, u.key, u.upload_id, p.number, p.size, p.etag, p.file FROM parts p "
        f"JOIN uploads u ON p.upload_id = u.upload_id{where} ORDER BY u.bucket, u.key",
        (bucket,) if bucket else (),
    ).fetchall()
    for name, raw_key, upload_id, number, size, etag, file in rows:
        part = ObjectVersion(
            bucket=name, key=bytes(raw_key).decode("utf-8", "surrogatepass"),
            version_id=f"upload {upload_id} part {number}", is_latest=False,
            delete_marker=False, size=size, etag=etag, last_modified=0.0,
            segments=[Segment(file, size)] if file else [],
            inline=None if file else b"",
        )  # fmt: skip
        report.parts += 1
        report.bytes += size
        damage = check_version(files, part)
        if damage is not None:
            report.damaged.append(damage)


Repairable = list[tuple[Damage, ObjectVersion, ObjectVersion]]  # damage, damaged, good copy


def scan(
    conn: sqlite3.Connection, files: FileStore, bucket: str | None
) -> tuple[ScrubReport, Repairable]:
    """Check everything; the report, and the damaged versions that have a good copy."""
    report = ScrubReport()
    good: Repairable = []
    for group in versions(conn, bucket):
        found = [(obj, check_version(files, obj)) for obj in group]
        report.versions += len(found)
        report.bytes += sum(obj.size for obj in group)
        intact = [obj for obj, damage in found if damage is None]
        for obj, damage in found:
            if damage is None:
                continue
            twin = next((o for o in intact if o.etag == obj.etag and o.size == obj.size), None)
            if twin is not None:
                damage.good_copy = twin.version_id
                good.append((damage, obj, twin))
            report.damaged.append(damage)
    check_parts(conn, files, bucket, report)
    return report, good


def txn_restore(
    conn: sqlite3.Connection, damaged: ObjectVersion, segments: list[Segment], inline: bytes | None
) -> bool:
    """Point a damaged version at new data (links to its good copy's files); its old
    files go to garbage. False if the version changed meanwhile (nothing done)."""
    row = conn.execute(
        "SELECT segments FROM objects WHERE bucket = ? AND key = ? AND version_id = ?",
        (damaged.bucket, enc_key(damaged.key), damaged.version_id),
    ).fetchone()
    if row is None or json.loads(row[0]) != [[s.file, s.size] for s in damaged.segments]:
        return False
    conn.execute(
        "UPDATE objects SET segments = ?, inline = ? WHERE bucket = ? AND key = ? "
        "AND version_id = ?",
        (
            dumps([[s.file, s.size] for s in segments]),
            inline,
            damaged.bucket,
            enc_key(damaged.key),
            damaged.version_id,
        ),
    )
    for seg in damaged.segments:
        add_garbage(conn, seg.file)
    return True
