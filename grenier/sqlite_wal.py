"""Switching a SQLite connection to WAL mode, shared by the index and the identity store
(the two bottom layers, engine and iam, both keep their state in SQLite)."""

from __future__ import annotations

import sqlite3
import time


def enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. Several processes (workers) opening a new file at once may find it
    locked while another one switches, and SQLite does not wait on that: retry briefly."""
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)
