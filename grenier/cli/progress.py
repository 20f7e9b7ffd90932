"""Transfer progress: a rich bar with throughput and ETA, only when stdout is a terminal.

Never shown with ``--json``/``--quiet`` or when stdout is piped; in those cases the
reporter only counts bytes (for the final summary).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from grenier.cli.output import Output
from grenier.client.units import human_size


class Counter:
    """Counts transferred bytes (thread-safe); the base of every reporter."""

    def __init__(self) -> None:
        self.bytes = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self.files = 0
        self.total_files: int | str = "?"
        self.label = ""
        self.bar: Any = None
        self.task: Any = None

    def advance(self, nbytes: int) -> None:
        with self._lock:
            self.bytes += nbytes
        if self.bar is not None:
            self.bar.advance(self.task, nbytes)

    def file_done(self) -> None:
        with self._lock:
            self.files += 1
        if self.bar is not None:
            self.bar.update(self.task, description=f"{self.label} {self.files}/{self.total_files}")

    @property
    def seconds(self) -> float:
        return max(time.monotonic() - self.started, 1e-6)

    def summary(self, files: int) -> dict[str, Any]:
        speed = self.bytes / self.seconds
        return {
            "files": files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "speed": int(speed),
        }

    def summary_text(self, files: int, verb: str = "Transferred") -> str:
        speed = human_size(self.bytes / self.seconds)
        return (
            f"{verb} {files} file(s), {human_size(self.bytes)} in {self.seconds:.2f}s ({speed}/s)"
        )


@contextmanager
def progress(
    out: Output, total_bytes: int | None, total_files: int | None, label: str = ""
) -> Iterator[Counter]:
    """A :class:`Counter`, drawn as a rich bar when ``out.fancy``."""
    counter = Counter()
    if not out.fancy:
        yield counter
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=True) as bar:
        counter.bar = bar
        counter.task = bar.add_task(label or "transfer", total=total_bytes)
        counter.label, counter.total_files = label or "transfer", total_files or "?"
        out.printer = lambda line: bar.console.print(line, markup=False, highlight=False)
        try:
            yield counter
        finally:
            out.printer = None
