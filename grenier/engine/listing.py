"""Listing as index range scans.

A listing walks the ``objects_current`` index (or the versions index) from a start
key. With a delimiter, the first key of a group yields the common prefix and the scan
*seeks* to ``prefix || 0xFF``, past every member of the group, so a million keys
under one common prefix cost one index seek. A common prefix that sorts at or before
the marker has already been returned on an earlier page and is skipped the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from grenier.engine.model import ListEntry, ListPage
from grenier.engine.rows import dec_key, enc_key

BATCH = 1000
SKIP = b"\xff"  # never occurs in UTF-8: prefix + SKIP sorts after every key under prefix


ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


def algorithms(checksums_json: str) -> list[str]:
    """The algorithm names of a stored checksums object, without a JSON parse."""
    if checksums_json == "{}":
        return []
    return [alg for alg in ALGORITHMS if f'"{alg}"' in checksums_json]


def _upper(prefix: bytes) -> bytes | None:
    return prefix + SKIP if prefix else None


def _rows(
    conn: sqlite3.Connection, sql: str, bucket: str, lo: bytes, inclusive: bool, hi: bytes | None
) -> Iterator[tuple[Any, ...]]:
    """Rows with key in [lo, hi) (or (lo, hi)), key order, fetched in batches."""
    op = ">=" if inclusive else ">"
    bound = " AND key < ?" if hi is not None else ""
    query = sql.format(cond=f"key {op} ?{bound}")
    params: tuple[Any, ...] = (bucket, lo, hi) if hi is not None else (bucket, lo)
    yield from conn.execute(query + f" LIMIT {BATCH * 4}", params)


CURRENT_SQL = (
    "SELECT key, size, etag, last_modified, checksums FROM objects INDEXED BY objects_current "
    "WHERE bucket = ? AND is_latest = 1 AND delete_marker = 0 AND {cond} ORDER BY key"
)


def list_current(
    conn: sqlite3.Connection,
    bucket: str,
    *,
    prefix: str = "",
    delimiter: str = "",
    marker: str = "",
    max_keys: int = 1000,
    owner: str = "",
) -> ListPage:
    bprefix, bdelim, bmarker = enc_key(prefix), enc_key(delimiter), enc_key(marker)
    hi = _upper(bprefix)
    entries: list[ListEntry] = []
    prefixes: list[str] = []
    if bmarker >= bprefix:
        lo, inclusive = bmarker, False
    else:
        lo, inclusive = bprefix, True
    last: bytes | None = None
    while True:
        progressed = False
        for row in _rows(conn, CURRENT_SQL, bucket, lo, inclusive, hi):
            key = bytes(row[0])
            if bdelim:
                cut = key.find(bdelim, len(bprefix))
                if cut >= 0:
                    common = key[: cut + len(bdelim)]
                    lo, inclusive = common + SKIP, True
                    if common > bmarker or not bmarker:
                        if len(entries) + len(prefixes) >= max_keys:
                            return _page(entries, prefixes, True, last)
                        prefixes.append(dec_key(common))
                        last = common
                    progressed = True
                    break
            if len(entries) + len(prefixes) >= max_keys:
                return _page(entries, prefixes, True, last)
            entries.append(
                ListEntry(
                    key=dec_key(key),
                    size=row[1],
                    etag=row[2],
                    last_modified=row[3],
                    owner=owner,
                    checksum_algorithms=algorithms(row[4]),
                )
            )
            last = key
            lo, inclusive = key, False
            progressed = True
        if not progressed:
            return _page(entries, prefixes, False, last)


def _page(
    entries: list[ListEntry], prefixes: list[str], truncated: bool, last: bytes | None
) -> ListPage:
    return ListPage(
        entries=entries,
        common_prefixes=prefixes,
        is_truncated=truncated,
        next_key=dec_key(last) if last is not None and truncated else None,
    )


VERSIONS_SQL = (
    "SELECT key, size, etag, last_modified, checksums, version_id, is_latest, delete_marker, "
    "seq FROM objects INDEXED BY objects_versions WHERE bucket = ? AND {cond} "
    "ORDER BY key, seq DESC"
)


def list_versions(
    conn: sqlite3.Connection,
    bucket: str,
    *,
    prefix: str = "",
    delimiter: str = "",
    key_marker: str = "",
    version_id_marker: str = "",
    max_keys: int = 1000,
    owner: str = "",
) -> ListPage:
    bprefix, bdelim, bmarker = enc_key(prefix), enc_key(delimiter), enc_key(key_marker)
    hi = _upper(bprefix)
    entries: list[ListEntry] = []
    prefixes: list[str] = []
    last: tuple[bytes, str] | None = None

    def full() -> bool:
        return len(entries) + len(prefixes) >= max_keys

    def add(row: tuple[Any, ...]) -> None:
        nonlocal last
        key = bytes(row[0])
        entries.append(
            ListEntry(
                key=dec_key(key),
                size=row[1],
                etag=row[2],
                last_modified=row[3],
                version_id=row[5],
                is_latest=bool(row[6]),
                delete_marker=bool(row[7]),
                owner=owner,
                checksum_algorithms=algorithms(row[4]),
            )
        )
        last = (key, row[5])

    # Remaining versions of the marker key itself (older than version_id_marker).
    if key_marker and version_id_marker and bmarker >= bprefix:
        seq_row = conn.execute(
            "SELECT seq FROM objects WHERE bucket = ? AND key = ? AND version_id = ?",
            (bucket, bmarker, version_id_marker),
        ).fetchone()
        if seq_row is not None and not _in_group(bmarker, bprefix, bdelim):
            for row in conn.execute(
                VERSIONS_SQL.format(cond="key = ? AND seq < ?"), (bucket, bmarker, seq_row[0])
            ):
                if full():
                    return _vpage(entries, prefixes, True, last)
                add(row)
    if bmarker >= bprefix and key_marker:
        lo, inclusive = bmarker, False
    else:
        lo, inclusive = bprefix, True
    while True:
        progressed = False
        for row in _rows(conn, VERSIONS_SQL, bucket, lo, inclusive, hi):
            key = bytes(row[0])
            if bdelim:
                cut = key.find(bdelim, len(bprefix))
                if cut >= 0:
                    common = key[: cut + len(bdelim)]
                    lo, inclusive = common + SKIP, True
                    if common > bmarker or not key_marker:
                        if full():
                            return _vpage(entries, prefixes, True, last)
                        prefixes.append(dec_key(common))
                        last = (common, "")
                    progressed = True
                    break
            if full():
                return _vpage(entries, prefixes, True, last)
            add(row)
            lo, inclusive = key, False
            progressed = True
            # finish every version of this key before moving on
            for more in conn.execute(
                VERSIONS_SQL.format(cond="key = ? AND seq < ?"), (bucket, key, row[8])
            ):
                if full():
                    return _vpage(entries, prefixes, True, last)
                add(more)
            break
        if not progressed:
            return _vpage(entries, prefixes, False, last)


def _in_group(key: bytes, prefix: bytes, delim: bytes) -> bool:
    return bool(delim) and key.find(delim, len(prefix)) >= 0


def _vpage(
    entries: list[ListEntry],
    prefixes: list[str],
    truncated: bool,
    last: tuple[bytes, str] | None,
) -> ListPage:
    page = ListPage(entries=entries, common_prefixes=prefixes, is_truncated=truncated)
    if truncated and last is not None:
        page.next_key = dec_key(last[0])
        page.next_version_id = last[1] or None
    return page
