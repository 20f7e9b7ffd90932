"""Process-tree helpers for server tests (Linux /proc; no psutil in the test extra)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def proc_state(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process, None once it is gone (reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def children(pid: int) -> dict[int, str]:
    """pid -> state of every direct child of ``pid``."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        state = proc_state(int(entry))
        if state is not None and state[1] == pid:
            found[int(entry)] = state[0]
    return found


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``check`` until it returns something truthy (a bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:g}s: {what}")
