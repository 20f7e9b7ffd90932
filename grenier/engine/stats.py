"""Timings of the engine's durability work, read by the server's metrics exporter.

Bucketed counts (cumulative on export) of how long data-file fsyncs and index group
commits take and how many jobs each commit batch carries, plus the committers whose queue
depth the exporter samples. Counting is a bisect and two additions under a lock: cheap
enough for every fsync and commit, and the engine stays free of any metrics library.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from typing import Any

SECONDS_BOUNDS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
)  # fmt: skip
JOBS_BOUNDS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)


class Distribution:
    """Counts per upper bound (the last slot is +Inf) and the sum of observed values."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self._lock = threading.Lock()
        self._counts = [0] * (len(bounds) + 1)
        self._sum = 0.0

    def observe(self, value: float) -> None:
        slot = bisect.bisect_left(self.bounds, value)
        with self._lock:
            self._counts[slot] += 1
            self._sum += value

    def take(self) -> tuple[list[int], float]:
        """The counts and sum since the previous take (and reset them)."""
        with self._lock:
            counts, total = self._counts, self._sum
            self._counts = [0] * (len(self.bounds) + 1)
            self._sum = 0.0
        return counts, total


FSYNC_SECONDS = Distribution(SECONDS_BOUNDS)  # data file fdatasync + directory fsync
COMMIT_SECONDS = Distribution(SECONDS_BOUNDS)  # one group commit, BEGIN to COMMIT
COMMIT_JOBS = Distribution(JOBS_BOUNDS)  # jobs per group commit
_COMMITTERS: weakref.WeakSet[Any] = weakref.WeakSet()


def track_committer(committer: Any) -> None:
    _COMMITTERS.add(committer)


def committer_queue_depth() -> int:
    """Jobs waiting for the group-commit writer(s) of this process."""
    return sum(c.jobs.qsize() for c in list(_COMMITTERS))
