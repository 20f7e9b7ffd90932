"""Test-only crash points inside a write, enabled by an environment variable.

``GRENIER_TEST_KILL_POINT=POINT[:KEY]`` makes the process SIGKILL itself when a write
(of ``KEY``, or of any key) reaches ``POINT``:

* ``after-publish``: the body's data file (if any) is renamed into place and fsynced,
  the index transaction is not yet submitted;
* ``after-commit``: the transaction is committed (durable), the caller not yet answered.

The crash tests (tests/durability/test_kill_points.py) kill the server at each point
and audit the store after a restart. Unset (always, outside tests), a write pays one
attribute test per point.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

ENV = "GRENIER_TEST_KILL_POINT"
POINTS = ("after-publish", "after-commit")


@dataclass(frozen=True)
class KillPoint:
    point: str
    key: str | None = None

    def reached(self, point: str, key: str | None) -> None:
        if point == self.point and (self.key is None or key == self.key):
            os.kill(os.getpid(), signal.SIGKILL)


def configured() -> KillPoint | None:
    raw = os.environ.get(ENV)
    if not raw:
        return None
    point, _, key = raw.partition(":")
    if point not in POINTS:
        raise ValueError(f"{ENV}: unknown point {point!r} (one of {', '.join(POINTS)})")
    return KillPoint(point, key or None)
