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


def _walk(
    conn: sqlite3.Connection,
    sql: str,
    bucket: str,
    bprefix: bytes,
    bdelim: bytes,
    bmarker: bytes,
    *,
    one_row_per_query: bool = False,
) -> Iterator[tuple[bytes | None, tuple[Any, ...] | None]]:
    """Key order from just after the marker (or the prefix): yields ``(common_prefix,
    None)`` for each delimiter group after the marker, seeking past its members, and
    ``(None, row)`` for every other row. ``one_row_per_query``: re-query after each row
    (the caller reads that key's other rows itself). The caller may stop at any time."""
    hi = _upper(bprefix)
    if bmarker and bmarker >= bprefix:
        lo, inclusive = bmarker, False
    else:
        lo, inclusive = bprefix, True
    while True:
        progressed = False
        for row in _rows(conn, sql, bucket, lo, inclusive, hi):
            key = bytes(row[0])
            progressed = True
            cut = key.find(bdelim, len(bprefix)) if bdelim else -1
            if cut >= 0:
                common = key[: cut + len(bdelim)]
                lo, inclusive = common + SKIP, True
                if common > bmarker or not bmarker:
                    yield common, None
                break
            yield None, row
            lo, inclusive = key, False
            if one_row_per_query:
                break
        if not progressed:
            return


def list_current(
    conn: sqlite3.Connection,
    bucket: str,
    *,
    prefix: str = "",
    delimiter: str = "",
    marker: str = "",
    max_keys: int = 1000,
    owner: str = "",
    sql: str = CURRENT_SQL,
) -> ListPage:
    """Current versions (or, with another ``sql`` of the same columns, the rows of
    another key-ordered table: an archive's catalogue)."""
    bprefix, bdelim, bmarker = enc_key(prefix), enc_key(delimiter), enc_key(marker)
    entries: list[ListEntry] = []
    prefixes: list[str] = []
    last: bytes | None = None
    for common, row in _walk(conn, sql, bucket, bprefix, bdelim, bmarker):
        if len(entries) + len(prefixes) >= max_keys:
            return _page(entries, prefixes, True, last)
        if common is not None:
            prefixes.append(dec_key(common))
            last = common
            continue
        assert row is not None
        last = bytes(row[0])
        entries.append(_entry(row, owner))
    return _page(entries, prefixes, False, last)


def _entry(row: tuple[Any, ...], owner: str) -> ListEntry:
    """A listing entry from a CURRENT_SQL row, or a VERSIONS_SQL row (longer: version
    id, latest and delete-marker flags follow the common columns)."""
    entry = ListEntry(
        key=dec_key(bytes(row[0])),
        size=row[1],
        etag=row[2],
        last_modified=row[3],
        owner=owner,
        checksum_algorithms=algorithms(row[4]),
    )
    if len(row) > 5:
        entry.version_id = row[5]
        entry.is_latest = bool(row[6])
        entry.delete_marker = bool(row[7])
    return entry


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
    entries: list[ListEntry] = []
    prefixes: list[str] = []
    last: tuple[bytes, str] | None = None

    def full() -> bool:
        return len(entries) + len(prefixes) >= max_keys

    def add(row: tuple[Any, ...]) -> None:
        nonlocal last
        entries.append(_entry(row, owner))
        last = (bytes(row[0]), row[5])

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
    older = VERSIONS_SQL.format(cond="key = ? AND seq < ?")
    for common, row in _walk(
        conn, VERSIONS_SQL, bucket, bprefix, bdelim, bmarker, one_row_per_query=True
    ):
        if full():
            return _vpage(entries, prefixes, True, last)
        if common is not None:
            prefixes.append(dec_key(common))
            last = (common, "")
            continue
        assert row is not None
        add(row)
        # every older version of this key before moving on
        for more in conn.execute(older, (bucket, bytes(row[0]), row[8])):
            if full():
                return _vpage(entries, prefixes, True, last)
            add(more)
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
