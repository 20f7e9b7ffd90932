"""Lifecycle due times are rounded up to the next midnight UTC, as on AWS."""

from __future__ import annotations

from datetime import UTC, datetime

from grenier.engine.lifecycle import due

DAY = 86400.0


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_due_rounds_up_to_midnight() -> None:
    assert due(ts("2026-01-01T10:30:00"), 1, DAY) == ts("2026-01-03T00:00:00")
    assert due(ts("2026-01-01T00:00:00"), 1, DAY) == ts("2026-01-02T00:00:00")
    assert due(ts("2026-01-31T23:59:59"), 30, DAY) == ts("2026-03-03T00:00:00")


def test_due_with_a_shrunk_day() -> None:
    assert due(10.2, 2, 1.0) == 13.0
