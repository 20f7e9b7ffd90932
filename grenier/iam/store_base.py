"""The plumbing every part of the IAM store shares: connection, transactions, caches."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import IamError
from .store_schema import connect


class StoreBase:
    """Connection, write transactions and the per-process cache of request look-ups."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path)
        self._lock = threading.RLock()
        self._seen_version = -1
        self._cache: dict[tuple[str, str], Any] = {}

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- plumbing --------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._cache.clear()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._conn.execute(sql, args)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def _cached(self, kind: str, key: str) -> Any:
        with self._lock:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._seen_version:
                self._cache.clear()
                self._seen_version = version
            return self._cache.get((kind, key))

    def _remember(self, kind: str, key: str, value: Any) -> Any:
        with self._lock:
            self._cache[(kind, key)] = value
        return value

    def _require_group(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone():
            raise IamError("NoSuchEntity", f"The group with name {name} cannot be found.")

    def _require_user(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise IamError("NoSuchEntity", f"The user with name {name} cannot be found.")
