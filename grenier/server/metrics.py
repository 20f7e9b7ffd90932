"""Request and engine metrics, kept per worker and shared through prometheus_client.

MinIO's v2 names and labels are used wherever the meaning is the same, so existing
Grafana dashboards and alerts work unchanged: ``minio_s3_requests_total{api}`` (the api is
the lower-cased operation, ``putobject``, as MinIO labels it), the errors, 4xx and 5xx
counters, ``minio_s3_requests_inflight_total{api}``, ``minio_s3_requests_rejected_auth_total``,
``minio_s3_traffic_received_bytes``/``sent_bytes`` and the cumulative
``minio_s3_requests_ttfb_seconds_distribution{api,le}`` (gauges, as MinIO types them).
Grenier's own: ``grenier_s3_request_duration_seconds{api}``, ``grenier_engine_fsync_seconds``,
``grenier_engine_commit_batch_seconds``, ``grenier_engine_commit_batch_jobs``,
``grenier_engine_committer_queue_depth`` and ``grenier_workers``.

Workers share their values through prometheus_client's multiprocess mode (one mmap file per
process under ``DATA_DIR/run/metrics``; counters of a dead worker keep counting in the sums).
An update of a shared value costs about 1.5 µs, so the request path only adds to plain
per-worker tallies (about 0.3 µs); a task moves them into the shared values once a second
and again right before this worker answers a scrape.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grenier.engine import stats as engine_stats

TTFB_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENCY_BOUNDS = engine_stats.SECONDS_BOUNDS + (30.0,)
AUTH_REJECTIONS = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed"}
)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess(run_dir: Path) -> None:
    """Point prometheus_client at the shared folder (before it is first imported)."""
    path = run_dir / "metrics"
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)


def mark_worker_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (in-flight, queue depth, worker count)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


@dataclass(slots=True)
class ApiTally:
    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    ttfb: list[int] = field(default_factory=lambda: [0] * (len(TTFB_BOUNDS) + 1))
    latency: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BOUNDS) + 1))
    latency_sum: float = 0.0


class Families:
    """The shared prometheus_client metrics of this process (created once per process)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Any:
            return Counter(name, doc, labels)

        def gauge(name: str, doc: str, mode: str, labels: tuple[str, ...] = ()) -> Any:
            return Gauge(name, doc, labels, multiprocess_mode=mode)

        self.requests = counter("minio_s3_requests", "Total number of S3 requests", ("api",))
        self.errors = counter(
            "minio_s3_requests_errors",
            "Total number of S3 requests with (4xx and 5xx) errors",
            ("api",),
        )
        self.errors_4xx = counter(
            "minio_s3_requests_4xx_errors",
            "Total number of S3 requests with (4xx) errors",
            ("api",),
        )
        self.errors_5xx = counter(
            "minio_s3_requests_5xx_errors",
            "Total number of S3 requests with (5xx) errors",
            ("api",),
        )
        self.rejected_auth = counter(
            "minio_s3_requests_rejected_auth",
            "Total number of S3 requests rejected for auth failure",
        )
        self.inflight = gauge(
            "minio_s3_requests_inflight_total",
            "Total number of S3 requests currently in flight",
            "livesum",
            ("api",),
        )
        self.received = gauge(
            "minio_s3_traffic_received_bytes", "Total number of s3 bytes received", "sum"
        )
        self.sent = gauge("minio_s3_traffic_sent_bytes", "Total number of s3 bytes sent", "sum")
        self.ttfb = gauge(
            "minio_s3_requests_ttfb_seconds_distribution",
            "Distribution of the time to first byte across API calls",
            "sum",
            ("api", "le"),
        )
        self.latency = Histogram(
            "grenier_s3_request_duration_seconds",
            "Time from the request's headers to the end of its response, by API",
            ("api",),
            buckets=LATENCY_BOUNDS,
        )
        self.fsync = Histogram(
            "grenier_engine_fsync_seconds",
            "Data file and directory fsync latency",
            buckets=engine_stats.SECONDS_BOUNDS,
        )
        self.commit = Histogram(
            "grenier_engine_commit_batch_seconds",
            "Index group commit latency (BEGIN to COMMIT, WAL fsync included)",
            buckets=engine_stats.SECONDS_BOUNDS,
        )
        self.commit_jobs = Histogram(
            "grenier_engine_commit_batch_jobs",
            "Transactions per index group commit",
            buckets=engine_stats.JOBS_BOUNDS,
        )
        self.queue = gauge(
            "grenier_engine_committer_queue_depth",
            "Transactions waiting for the group-commit writer",
            "livesum",
        )
        self.workers = gauge("grenier_workers", "Worker processes serving requests", "livesum")
        self.fds = gauge(
            "minio_node_file_descriptor_open_total", "Total open file descriptors", "livesum"
        )
        self.audit_sent = gauge(
            "minio_audit_total_messages",
            "Total number of messages sent since start",
            "sum",
            ("target_id",),
        )
        self.audit_failed = gauge(
            "minio_audit_failed_messages",
            "Total number of messages that failed to send since start",
            "sum",
            ("target_id",),
        )
        self.audit_queue = gauge(
            "minio_audit_target_queue_length", "Number of unsent messages in queue for target", "livesum", ("target_id",)
        )  # fmt: skip
        self.workers.set(1)


def _add_buckets(child: Any, counts: list[int], total: float) -> None:
    """Add pre-bucketed counts to a prometheus_client histogram child: the per-bucket
    values (``_buckets``, non-cumulative, +Inf last) and ``_sum`` are the ones its own
    ``observe`` increments (checked by tests/unit/test_metrics_tally.py)."""
    for slot, count in enumerate(counts):
        if count:
            child._buckets[slot].inc(count)
    if total:
        child._sum.inc(total)


class RequestMetrics:
    """Per-worker tallies of finished requests, moved into :class:`Families` by ``flush``."""

    def __init__(self) -> None:
        self.families: Families | None = None
        self.tallies: dict[str, ApiTally] = {}
        self.received = 0
        self.sent = 0
        self.rejected_auth = 0
        self.inflight_apis: list[str] = []

    def record(
        self, api: str, status: int, rx: int, tx: int, ttfb: float, duration: float, code: str
    ) -> None:
        tally = self.tallies.get(api)
        if tally is None:
            tally = self.tallies[api] = ApiTally()
        tally.requests += 1
        if status >= 400:
            if status >= 500:
                tally.errors_5xx += 1
            else:
                tally.errors_4xx += 1
            if code in AUTH_REJECTIONS:
                self.rejected_auth += 1
        tally.ttfb[bisect.bisect_left(TTFB_BOUNDS, ttfb)] += 1
        tally.latency[bisect.bisect_left(LATENCY_BOUNDS, duration)] += 1
        tally.latency_sum += duration
        self.received += rx
        self.sent += tx

    def flush(self, inflight: dict[str, int] | None = None) -> None:
        if self.families is None:
            self.families = Families()
        fam = self.families
        tallies, self.tallies = self.tallies, {}
        for api, t in tallies.items():
            fam.requests.labels(api).inc(t.requests)
            if t.errors_4xx or t.errors_5xx:
                fam.errors.labels(api).inc(t.errors_4xx + t.errors_5xx)
                fam.errors_4xx.labels(api).inc(t.errors_4xx)
                fam.errors_5xx.labels(api).inc(t.errors_5xx)
            running = 0
            for bound, count in zip((*TTFB_BOUNDS, float("inf")), t.ttfb, strict=True):
                running += count
                if running:
                    label = "+Inf" if bound == float("inf") else f"{bound:.3f}"
                    fam.ttfb.labels(api, label).inc(running)
            _add_buckets(fam.latency.labels(api), t.latency, t.latency_sum)
        if self.rejected_auth:
            fam.rejected_auth.inc(self.rejected_auth)
        if self.received:
            fam.received.inc(self.received)
        if self.sent:
            fam.sent.inc(self.sent)
        self.rejected_auth = self.received = self.sent = 0
        self._flush_engine(fam)
        if inflight is not None:
            for api in set(self.inflight_apis) | set(inflight):
                fam.inflight.labels(api).set(inflight.get(api, 0))
            self.inflight_apis = list(inflight)
        try:
            fam.fds.set(len(os.listdir("/proc/self/fd")))
        except OSError:
            pass

    def _flush_engine(self, fam: Families) -> None:
        for dist, hist in (
            (engine_stats.FSYNC_SECONDS, fam.fsync),
            (engine_stats.COMMIT_SECONDS, fam.commit),
            (engine_stats.COMMIT_JOBS, fam.commit_jobs),
        ):
            counts, total = dist.take()
            _add_buckets(hist, counts, total)
        fam.queue.set(engine_stats.committer_queue_depth())

    def audit_counts(self, target: str, sent: int, failed: int, queued: int) -> None:
        if self.families is None:
            self.families = Families()
        fam = self.families
        if sent:
            fam.audit_sent.labels(target).inc(sent)
        if failed:
            fam.audit_failed.labels(target).inc(failed)
        fam.audit_queue.labels(target).set(queued)
