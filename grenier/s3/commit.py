"""Awaiting engine transactions from the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from grenier.engine import Engine, Staged

T = TypeVar("T")


async def commit(engine: Engine, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` in the next group commit; returns once it is durable."""
    result = await asyncio.wrap_future(engine.submit(fn))
    engine.collect_garbage()
    return result


async def commit_staged(engine: Engine, staged: Staged, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Commit a transaction that publishes ``staged``; on refusal its file is removed."""
    try:
        return await commit(engine, fn)
    except BaseException:
        if staged.file:
            engine.files.remove(staged.file)
        raise
