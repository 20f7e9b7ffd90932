"""The plumbing every part of the IAM store shares: connection, transactions, caches.

One :class:`_Db` per file and process holds the connection, its lock and the cache of
request look-ups; a store object is a view of it for one account (``account_id``), and
:meth:`StoreBase.for_account` gives another account's view over the same connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from .arn import DEFAULT_ACCOUNT_ID
from .errors import IamError
from .store_schema import connect


class _Db:
    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        self.lock = threading.RLock()
        self.seen_version = -1
        self.cache: dict[tuple[str, str, str], Any] = {}


class StoreBase:
    """Connection, write transactions and the per-process cache of request look-ups."""

    def __init__(
        self, path: Path, *, account_id: str = DEFAULT_ACCOUNT_ID, db: _Db | None = None
    ) -> None:
        self.path = path
        self.account_id = account_id
        self._db = db or _Db(path)

    def for_account(self, account_id: str) -> Self:
        """The same store, scoped to another account's users, groups and policies."""
        if account_id == self.account_id:
            return self
        return type(self)(self.path, account_id=account_id, db=self._db)

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._db.conn

    @property
    def _lock(self) -> threading.RLock:
        return self._db.lock

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
            self._db.cache.clear()

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
            if version != self._db.seen_version:
                self._db.cache.clear()
                self._db.seen_version = version
            return self._db.cache.get((kind, self.account_id, key))

    def _remember(self, kind: str, key: str, value: Any) -> Any:
        with self._lock:
            self._db.cache[(kind, self.account_id, key)] = value
        return value

    def _require_group(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute(
            "SELECT 1 FROM groups WHERE account_id = ? AND name = ?", (self.account_id, name)
        ).fetchone():
            raise IamError("NoSuchEntity", f"The group with name {name} cannot be found.")

    def _require_user(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute(
            "SELECT 1 FROM users WHERE account_id = ? AND name = ?", (self.account_id, name)
        ).fetchone():
            raise IamError("NoSuchEntity", f"The user with name {name} cannot be found.")
