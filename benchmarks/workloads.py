"""Object and listing workloads: what runs against one server, and how it is recorded.

A ``Session`` ties the load generator to one running target. ``measure`` wraps every load
run in a psutil monitor of the server's process tree, so each row carries the server's
peak RSS and CPU seconds next to ops/s, MiB/s and latencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.config import ObjectSet, Sizes
from benchmarks.loadgen import Job, LoadPool, LoadResult
from benchmarks.procs import TreeMonitor
from benchmarks.servers import Target

Row = dict[str, Any]


def count_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


@dataclass
class Session:
    pool: LoadPool
    target: Target
    sizes: Sizes
    rows: dict[str, list[Row]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    populated: int = 0

    def job(self, bucket: str, op: str, **kw: Any) -> Job:
        kw.setdefault("time_limit", self.sizes.time_limit)
        t = self.target
        return Job(t.endpoint, t.access_key, t.secret_key, bucket, op, **kw)

    def measure(self, row: str, job: Job, workers: int | None = None, **extra: Any) -> LoadResult:
        with TreeMonitor(self.target.proc.pid) as mon:
            result = self.pool.run(job, workers)
        record = result.summary()
        record.update(server_peak_rss_mb=round(mon.peak_rss / 2**20, 1))
        record.update(server_cpu_s=round(mon.cpu_seconds, 3), **extra)
        self.rows.setdefault(row, []).append(record)
        return result

    def fail(self, row: str, message: str) -> None:
        self.rows.setdefault(row, []).append({"errors": 1, "first_error": message[:300]})

    def create_bucket(self, bucket: str, attempts: int = 40) -> None:
        """Create ``bucket``; SeaweedFS needs a moment after start before it accepts writes."""
        import time

        result = LoadResult()
        for _ in range(attempts):
            result = self.pool.run(self.job(bucket, "create_bucket", time_limit=10), workers=1)
            if not result.errors:
                return
            time.sleep(0.25)
        raise RuntimeError(f"cannot create bucket {bucket}: {result.first_error}")


def object_rows(s: Session, sets: tuple[ObjectSet, ...], repeat: int, sink: bool) -> None:
    bucket = "bench"
    if not sink and repeat == 0:
        s.create_bucket(bucket)
    prefix = f"r{repeat}"
    for obj in sets:
        common = {"prefix": prefix, "size": obj.size, "count": obj.count}
        common.update(concurrency=obj.concurrency, part_size=obj.part_size)
        put_op = "multipart" if obj.part_size else "put"
        s.measure(f"PUT {obj.label}", s.job(bucket, put_op, **common))
        s.measure(f"GET {obj.label}", s.job(bucket, "get", **common))
        if obj.name == "small":
            s.measure(f"HEAD {obj.label}", s.job(bucket, "head", **common))
            s.measure(f"DELETE {obj.label}", s.job(bucket, "delete", **common))


def populate(s: Session, bucket: str, count: int) -> None:
    s.create_bucket(bucket)
    job = s.job(bucket, "put", prefix="k", size=0, count=count, concurrency=64)
    job.fanout = s.sizes.list_fanout
    job.time_limit = max(s.sizes.time_limit, count / 200)  # never slower than 200 PUT/s
    s.measure(f"populate {count_label(count)} keys (PUT 0 B)", job)
    s.populated += count


def list_rows(s: Session, bucket: str, count: int, repeat: int, delimiter: bool = True) -> None:
    if repeat == 0:
        populate(s, bucket, count)
    label = f"LIST {count_label(count)} keys"
    limit = max(s.sizes.time_limit, count / 2000)
    job = s.job(bucket, "list", list_prefix="k/s0/", max_keys=1000, time_limit=limit)
    result = s.measure(label, job, workers=1, keys_per_s=0.0)
    _check_listing(s, label, result, keys=count, prefixes=0)
    if delimiter:
        job.delimiter = "/"
        label += ", delimiter /"
        result = s.measure(label, job, workers=1, keys_per_s=0.0)
        _check_listing(s, label, result, keys=0, prefixes=min(count, s.sizes.list_fanout))


def _check_listing(s: Session, label: str, result: LoadResult, keys: int, prefixes: int) -> None:
    record = s.rows[label][-1]
    listed = result.keys_listed + result.prefixes_listed
    record["keys_per_s"] = round(listed / result.wall, 1) if result.wall else 0.0
    if (result.keys_listed, result.prefixes_listed) != (keys, prefixes):
        record["errors"] = record.get("errors", 0) + 1
        got = f"{result.keys_listed} keys + {result.prefixes_listed} prefixes"
        record["first_error"] = record["first_error"] or f"listed {got}, want {keys} + {prefixes}"
