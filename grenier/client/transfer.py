"""The transfer engine: many small jobs on one worker pool, with progress and cancellation.

A :class:`Job` is one file/object operation (upload, download, copy, delete…). The
:class:`Engine` runs jobs on ``workers`` threads that share one S3 client (and its
connection pool), keeps a bounded number in flight, stops everything at the first fatal
error (bad keys, unreachable endpoint) or on Ctrl-C, and reports each :class:`Result`
to the caller on the main thread. Multipart parts run on a second pool so that a file
job waiting for its parts can never starve them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import TYPE_CHECKING, Protocol

from grenier.client.errors import Cancelled, ClientError, translate
from grenier.client.session import default_workers

if TYPE_CHECKING:
    from grenier.client.aio import Runner

MIB = 1024 * 1024
MIN_PART = 5 * MIB
MAX_PARTS = 10_000


LEAN_MIN_BATCH = 100


def _lean_mode() -> str:
    """GRENIER_LEAN_PATH: "auto" (default), "1" (always when eligible), "0" (never)."""
    return os.environ.get("GRENIER_LEAN_PATH", "auto").strip().lower() or "auto"


def _env_size(name: str, default: int) -> int:
    from grenier.client.units import parse_size

    value = os.environ.get(name)
    return parse_size(value) if value else default


@dataclass
class Settings:
    workers: int = field(default_factory=default_workers)
    part_size: int = field(default_factory=lambda: _env_size("GRENIER_PART_SIZE", 16 * MIB))
    threshold: int = field(
        default_factory=lambda: _env_size("GRENIER_MULTIPART_THRESHOLD", 32 * MIB)
    )
    limit_upload: int = 0
    limit_download: int = 0
    lean: bool = field(default_factory=lambda: _lean_mode() != "0")
    lean_auto: bool = field(default_factory=lambda: _lean_mode() == "auto")

    def choose_path(self, files: int | None) -> None:
        """In "auto" mode, keep a small batch on botocore once botocore is loaded anyway
        (importing aiohttp costs more than the lean path saves on a few requests)."""
        if self.lean_auto and files is not None and files < LEAN_MIN_BATCH:
            self.lean = "botocore" not in sys.modules

    def part_size_for(self, size: int) -> int:
        """A part size >= 5 MiB that keeps ``size`` under 10,000 parts."""
        part = max(self.part_size, MIN_PART)
        while size > part * MAX_PARTS:
            part *= 2
        return part


class Reporter(Protocol):
    def advance(self, nbytes: int) -> None: ...


class NullReporter:
    def advance(self, nbytes: int) -> None:
        pass


class Limiter:
    """A token bucket shared by all workers (bytes per second; 0 = unlimited)."""

    def __init__(self, rate: int, cancel: threading.Event) -> None:
        self.rate = rate
        self.cancel = cancel
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def take(self, nbytes: int) -> None:
        if self.cancel.is_set():
            raise Cancelled()
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + nbytes / self.rate
        delay = start - now
        if delay > 0 and self.cancel.wait(delay):
            raise Cancelled()


@dataclass
class Job:
    """One operation. ``run`` is the botocore way, on a worker thread; ``arun``, when set,
    the same operation on the lean async path (:mod:`grenier.client.aio`), preferred."""

    op: str
    source: str
    target: str
    size: int
    run: Callable[[], str | None]
    arun: Callable[[Runner], Awaitable[str | None]] | None = None


@dataclass
class Result:
    job: Job
    error: ClientError | None = None
    etag: str = ""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


class Engine:
    """Runs jobs in parallel; one per command invocation."""

    def __init__(self, settings: Settings | None = None, reporter: Reporter | None = None) -> None:
        self.settings = settings or Settings()
        self.reporter: Reporter = reporter or NullReporter()
        self.cancel = threading.Event()
        self._fatal = threading.Lock()
        self.up = Limiter(self.settings.limit_upload, self.cancel)
        self.down = Limiter(self.settings.limit_download, self.cancel)
        workers = self.settings.workers
        self._files = ThreadPoolExecutor(workers, thread_name_prefix="grenier-file")
        self.parts = ThreadPoolExecutor(workers, thread_name_prefix="grenier-part")
        self._runner: Runner | None = None

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def _failed(self, job: Job, exc: BaseException) -> Result:
        if isinstance(exc, Cancelled):
            return Result(job, cancelled=True)
        err = translate(exc, f"{job.op} {job.source}")
        if err.fatal:
            with self._fatal:  # report the first fatal error only, cancel the rest
                if self.cancel.is_set():
                    return Result(job, cancelled=True)
                self.cancel.set()
        return Result(job, error=err)

    def _run_one(self, job: Job) -> Result:
        if self.cancel.is_set():
            return Result(job, cancelled=True)
        try:
            return Result(job, etag=job.run() or "")
        except Exception as exc:
            return self._failed(job, exc)

    async def _arun_one(self, job: Job, runner: Runner) -> Result:
        assert job.arun is not None
        async with runner.semaphore():
            if self.cancel.is_set():
                return Result(job, cancelled=True)
            try:
                return Result(job, etag=await job.arun(runner) or "")
            except Exception as exc:
                return self._failed(job, exc)

    def runner(self) -> Runner:
        """The event loop of the lean path (started on first use)."""
        if self._runner is None:
            from grenier.client.aio import Runner

            self._runner = Runner(self.settings.workers)
        return self._runner

    def _launch(self, job: Job) -> Future[Result]:
        if job.arun is not None and self.settings.lean:
            runner = self.runner()
            return runner.submit(self._arun_one(job, runner))
        return self._files.submit(self._run_one, job)

    def run(self, jobs: Iterable[Job], on_result: Callable[[Result], None]) -> bool:
        """Run every job, calling ``on_result`` on this thread; True when all succeeded."""
        ok = True
        done: SimpleQueue[Future[Result]] = SimpleQueue()
        in_flight = 0
        limit = self.settings.workers * 4

        def collect() -> None:
            nonlocal ok, in_flight
            fut = done.get()
            in_flight -= 1
            result = (
                fut.result()
                if not fut.cancelled()
                else Result(Job("", "", "", 0, str), cancelled=True)
            )
            ok = ok and result.ok
            if not result.cancelled:
                on_result(result)

        try:
            for job in jobs:
                if self.cancel.is_set():
                    break
                while in_flight >= limit:
                    collect()
                fut = self._launch(job)
                in_flight += 1
                fut.add_done_callback(done.put)
            while in_flight:
                collect()
        except BaseException:
            self.close(abort=True)
            raise
        return ok and not self.cancel.is_set()

    def close(self, abort: bool = False) -> None:
        if abort:
            self.cancel.set()
        self._files.shutdown(wait=True, cancel_futures=abort)
        self.parts.shutdown(wait=True, cancel_futures=abort)
        if self._runner is not None:
            self._runner.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(abort=exc[0] is not None)
