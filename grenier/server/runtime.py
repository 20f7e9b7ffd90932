"""Facts about the running server that every worker shares: start time, run folder,
configuration summary (for ``admin info``, metrics and the trace sockets).

``DATA_DIR/run`` holds what lives only as long as the server: prometheus_client's
per-process files (``metrics/``) and the workers' trace sockets (``trace/``). The first
process empties it at start-up and hands its start time to the workers it spawns.

Where the system has a memory filesystem (``/dev/shm``), ``DATA_DIR/run`` is a link to a
folder there: prometheus_client maps its files into memory and grows them sparse, and a
page first touched while DATA_DIR's disk is full kills the process with SIGBUS (a full
disk must leave the server able to delete and to stop cleanly).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STARTED_ENV = "GRENIER_STARTED_AT"


@dataclass
class Runtime:
    run_dir: Path
    started_at: float  # epoch seconds
    workers: int
    durability: str
    region: str
    endpoint: str
    tls: bool = False

    @property
    def uptime(self) -> float:
        return max(0.0, time.time() - self.started_at)


MEMORY_FS = Path("/dev/shm")


def prepare_run_dir(data_dir: Path) -> Path:
    """Empty ``DATA_DIR/run`` (first process only) and note the start time."""
    run_dir = data_dir / "run"
    if run_dir.is_symlink():
        shutil.rmtree(run_dir.resolve(), ignore_errors=True)
        run_dir.unlink()
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    if MEMORY_FS.is_dir() and os.access(MEMORY_FS, os.W_OK):
        run_dir.symlink_to(tempfile.mkdtemp(prefix="grenier-run-", dir=MEMORY_FS))
    else:
        run_dir.mkdir(mode=0o700)
    os.environ[STARTED_ENV] = repr(time.time())
    return run_dir


def started_at() -> float:
    try:
        return float(os.environ[STARTED_ENV])
    except (KeyError, ValueError):
        return time.time()
