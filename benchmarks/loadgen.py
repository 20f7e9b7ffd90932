"""The load generator: several worker processes, each an aiohttp + uvloop event loop.

``LoadPool(n)`` starts ``n`` spawned workers once. ``pool.run(job)`` hands every worker its
share of the keys and of the concurrency, waits until all are ready, releases them at once,
and merges their results. Each worker stops after its last key or at ``job.time_limit``,
whichever comes first, so every run is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import statistics
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from benchmarks import payload, s3ops
from benchmarks.sigv4 import Signer

MIB = 1 << 20


@dataclass
class Job:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    op: str  # put get head delete multipart list create_bucket
    prefix: str = "bench"
    count: int = 0
    size: int = 0
    concurrency: int = 1
    time_limit: float = 60.0
    part_size: int = 0
    fanout: int = 0  # keys spread over this many "folders" (listing buckets)
    list_prefix: str = ""
    delimiter: str = ""
    max_keys: int = 1000

    def key(self, index: int) -> str:
        if self.fanout:
            return f"{self.prefix}/s{self.size}/d{index % self.fanout:03d}/{index:08d}"
        return payload.make_key(self.prefix, self.size, index, self.part_size)


@dataclass
class LoadResult:
    ops: int = 0
    errors: int = 0
    bytes: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""
    keys_listed: int = 0
    prefixes_listed: int = 0
    timed_out: bool = False

    @property
    def ops_s(self) -> float:
        return self.ops / self.wall if self.wall else 0.0

    @property
    def mib_s(self) -> float:
        return self.bytes / MIB / self.wall if self.wall else 0.0

    def pct_ms(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        lat = self.latencies
        return {
            "ops": self.ops,
            "errors": self.errors,
            "bytes": self.bytes,
            "wall_s": round(self.wall, 4),
            "ops_s": round(self.ops_s, 2),
            "mib_s": round(self.mib_s, 2),
            "p50_ms": round(self.pct_ms(0.50), 3),
            "p99_ms": round(self.pct_ms(0.99), 3),
            "first_page_ms": round(1000 * lat[0], 3) if lat else 0.0,
            "last_page_ms": round(1000 * lat[-1], 3) if lat else 0.0,
            "mean_ms": round(1000 * statistics.fmean(lat), 3) if lat else 0.0,
            "first10_ms": round(1000 * statistics.fmean(lat[:10]), 3) if lat else 0.0,
            "last10_ms": round(1000 * statistics.fmean(lat[-10:]), 3) if lat else 0.0,
            "keys_listed": self.keys_listed,
            "prefixes_listed": self.prefixes_listed,
            "first_error": self.first_error,
            "timed_out": self.timed_out,
        }


# ---- inside a worker process -------------------------------------------------------------


async def _run_ops(job: Job, client: s3ops.Client, index: int, workers: int) -> LoadResult:
    result = LoadResult()
    keys = iter(range(index, job.count, workers))
    share = job.concurrency // workers + (1 if index < job.concurrency % workers else 0)
    deadline = time.monotonic() + job.time_limit

    async def one(i: int) -> int:
        key = job.key(i)
        if job.op == "multipart":
            return await s3ops.multipart(client, key, job.size, job.part_size)
        return int(await getattr(s3ops, job.op)(client, key, job.size))

    async def lane() -> None:
        for i in keys:
            if time.monotonic() > deadline:
                result.timed_out = True
                return
            t0 = time.monotonic()
            try:
                moved = await one(i)
            except (TimeoutError, s3ops.Mismatch, aiohttp.ClientError) as exc:
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:300]
                continue
            result.latencies.append(time.monotonic() - t0)
            result.ops += 1
            result.bytes += moved

    await asyncio.gather(*(lane() for _ in range(max(1, share))))
    return result


async def _run_list(job: Job, client: s3ops.Client) -> LoadResult:
    result = LoadResult()
    deadline = time.monotonic() + job.time_limit
    token, last = "", {"key": b"", "prefix": b""}
    while True:
        if time.monotonic() > deadline:
            result.timed_out = True
            result.errors += 1
            result.first_error = "listing did not finish within the time limit"
            break
        t0 = time.monotonic()
        page = await s3ops.list_page(client, job.list_prefix, job.delimiter, token, job.max_keys)
        result.latencies.append(time.monotonic() - t0)
        for kind, names in (("key", page.keys), ("prefix", page.prefixes)):
            for name in names:
                if name <= last[kind]:
                    result.errors += 1
                    result.first_error = result.first_error or f"{kind} out of order: {name!r}"
                last[kind] = name
        result.ops += 1
        result.bytes += page.size
        result.keys_listed += len(page.keys)
        result.prefixes_listed += len(page.prefixes)
        token = page.token
        if not token:
            break
    return result


async def _run(job: Job, index: int, workers: int) -> tuple[LoadResult, float, float]:
    host = job.endpoint.split("://", 1)[1]
    signer = Signer(job.access_key, job.secret_key)
    connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=False
    ) as session:
        client = s3ops.Client(session, job.endpoint, host, signer, job.bucket)
        start = time.monotonic()
        if job.op == "list":
            result = await _run_list(job, client)
        elif job.op == "create_bucket":
            await s3ops.create_bucket(client)
            result = LoadResult(ops=1)
        else:
            result = await _run_ops(job, client, index, workers)
        end = time.monotonic()
    return result, start, end


def _warm(job: Job) -> None:
    """Compute the shared MD5 prefixes before the clock starts."""
    if job.op in ("put", "head") and job.count:
        payload.etag(job.key(0), job.size)
    if job.op == "multipart" and job.count:
        payload.multipart_etag(job.key(0), job.size, job.part_size)


def worker_main(conn: Connection, index: int, workers: int) -> None:
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    while True:
        job = conn.recv()
        if job is None:
            break
        _warm(job)
        conn.send("ready")
        conn.recv()  # go
        try:
            result, start, end = loop.run_until_complete(_run(job, index, workers))
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            result, start, end = LoadResult(errors=1, first_error=repr(exc)[:300]), 0.0, 0.0
        conn.send((result, start, end))
    loop.close()


# ---- in the orchestrating process --------------------------------------------------------


class LoadPool:
    def __init__(self, processes: int) -> None:
        ctx = mp.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for i in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, i, processes), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    def run(self, job: Job, workers: int | None = None) -> LoadResult:
        """Run ``job`` on the first ``workers`` processes (all by default)."""
        conns = self.conns[: workers or len(self.conns)]
        if len(conns) < len(self.conns) and job.op not in ("list", "create_bucket"):
            raise ValueError("only list and create_bucket run on a subset of workers")
        for conn in conns:
            conn.send(job)
        for conn in conns:
            self._recv(conn, 600)
        for conn in conns:
            conn.send("go")
        parts = [self._recv(conn, job.time_limit + 120) for conn in conns]
        merged = LoadResult()
        starts = [s for _, s, _ in parts if s]
        ends = [e for _, _, e in parts if e]
        merged.wall = (max(ends) - min(starts)) if starts and ends else 0.0
        for part, _, _ in parts:
            merged.ops += part.ops
            merged.errors += part.errors
            merged.bytes += part.bytes
            merged.latencies += part.latencies
            merged.keys_listed += part.keys_listed
            merged.prefixes_listed += part.prefixes_listed
            merged.timed_out |= part.timed_out
            merged.first_error = merged.first_error or part.first_error
        if job.op == "list":
            merged.latencies = parts[0][0].latencies  # keep page order: first vs last
        return merged

    def _recv(self, conn: Connection, timeout: float) -> Any:
        if not conn.poll(timeout):
            self.close()
            raise TimeoutError("load generator worker did not answer in time")
        return conn.recv()

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)

    def __enter__(self) -> LoadPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
