"""The Prometheus endpoints at MinIO's paths, authorized as MinIO does.

``GET /minio/v2/metrics/cluster`` (S3 request metrics, capacity, usage, audit, version and
Grenier's own), ``/minio/v2/metrics/node`` (this node's requests, file descriptors, drive,
Grenier's own) and ``/minio/v2/metrics/bucket`` (usage, objects and quota per bucket).
Every sample of the cluster and node endpoints carries ``server="HOST:PORT"`` as MinIO's do.

Authorization: ``Authorization: Bearer JWT``, an HS512 token signed with the secret key
of the access key in ``sub``, issuer ``prometheus`` (``grenier admin prometheus generate``
prints one inside a scrape config); the key must be root's or a user's allowed
``admin:Prometheus`` (the admin API's one check). ``GRENIER_PROMETHEUS_AUTH_TYPE=public``
(or MinIO's variable) serves them without a token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web

from grenier import __version__
from grenier.adminapi.authorize import authorize_admin
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error
from grenier.s3.responses import error_response
from grenier.server.metrics import RequestMetrics
from grenier.server.runtime import Runtime

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

PATHS = {
    "/minio/v2/metrics/cluster": "cluster",
    "/minio/v2/metrics/node": "node",
    "/minio/v2/metrics/bucket": "bucket",
}
SHARED_PREFIXES = {
    "cluster": ("minio_s3_", "minio_audit_", "grenier_"),
    "node": ("minio_s3_", "minio_node_", "grenier_"),
    "bucket": (),
}
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def is_public() -> bool:
    for var in ("GRENIER_PROMETHEUS_AUTH_TYPE", "MINIO_PROMETHEUS_AUTH_TYPE"):
        if os.environ.get(var, "").lower() == "public":
            return True
    return False


def bearer_access_key(header: str, secret_for: Callable[[str], str | None]) -> str:
    """The access key of a valid Prometheus bearer token, else AccessDenied."""
    import jwt

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise S3Error("AccessDenied", message="A bearer token is required (see "
                      "grenier admin prometheus generate).")  # fmt: skip
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        subject = str(unverified.get("sub", ""))
        secret = secret_for(subject) if subject else None
        if secret is None:
            raise S3Error("InvalidAccessKeyId")
        jwt.decode(
            token,
            secret,
            algorithms=["HS512"],
            issuer="prometheus",
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise S3Error("AccessDenied", message=f"Invalid bearer token: {exc}") from None
    return subject


class MetricsRoute:
    def __init__(
        self,
        service: S3Service,
        store: IamStore | None,
        metrics: RequestMetrics,
        runtime: Runtime,
        inflight: Callable[[], dict[str, int]],
    ) -> None:
        self.service = service
        self.store = store
        self.metrics = metrics
        self.runtime = runtime
        self.inflight = inflight
        self.public = is_public()

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        kind = PATHS.get(request.path.rstrip("/")) or (
            "cluster" if request.path.rstrip("/") == "/minio/v2/metrics" else None
        )
        if kind is None or request.method not in ("GET", "HEAD"):
            return None
        request["s3_api"] = "admin:Prometheus"
        try:
            if not self.public:
                key = bearer_access_key(
                    request.headers.get("Authorization", ""), self.service.secret_for
                )
                request["s3_access_key"] = key
                authorize_admin(self.service, self.store, key, "admin:Prometheus")
        except S3Error as err:
            request["s3_error"] = err.code
            return error_response(err, request.method, request.path, request_id)
        self.metrics.flush(self.inflight())
        body = render(kind, self.service, self.runtime)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def render(kind: str, service: S3Service, runtime: Runtime) -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Shared(kind, runtime.endpoint))
    registry.register(_Snapshot(kind, service, runtime))
    return bytes(generate_latest(registry))


def _with_server(metric: Any, server: str) -> Any:
    metric.samples = [s._replace(labels={**s.labels, "server": server}) for s in metric.samples]
    return metric


class _Shared:
    """The values the workers share (prometheus_client's multiprocess files)."""

    def __init__(self, kind: str, server: str) -> None:
        self.prefixes = SHARED_PREFIXES[kind]
        self.server = server

    def collect(self) -> Iterator[Any]:
        if not self.prefixes:
            return
        from prometheus_client.multiprocess import MultiProcessCollector

        for metric in MultiProcessCollector(None).collect():
            if metric.name.startswith(self.prefixes):
                yield _with_server(metric, self.server)


class _Snapshot:
    """Values read at scrape time: usage from the index, capacity from the file system."""

    def __init__(self, kind: str, service: S3Service, runtime: Runtime) -> None:
        self.kind = kind
        self.service = service
        self.runtime = runtime

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        server = self.runtime.endpoint

        def gauge(name: str, doc: str, value: float, **labels: str) -> Any:
            names = [*labels, "server"] if self.kind != "bucket" else list(labels)
            family = GaugeMetricFamily(name, doc, labels=names)
            values = [*labels.values(), server] if self.kind != "bucket" else list(labels.values())
            family.add_metric(values, value)
            return family

        buckets = self.service.engine.list_buckets()
        if self.kind == "bucket":
            yield from self._buckets(buckets)
            return
        vfs = os.statvfs(self.service.engine.root)
        free, total = vfs.f_bavail * vfs.f_frsize, vfs.f_blocks * vfs.f_frsize
        yield gauge("minio_software_version_info", "Grenier release", 1, version=__version__)
        if self.kind == "cluster":
            yield gauge("minio_cluster_capacity_usable_free_bytes", "Free usable capacity", free)
            yield gauge("minio_cluster_capacity_usable_total_bytes", "Usable capacity", total)
            yield gauge("minio_cluster_capacity_raw_free_bytes", "Free raw capacity", free)
            yield gauge("minio_cluster_capacity_raw_total_bytes", "Raw capacity", total)
            yield gauge("minio_cluster_buckets_total", "Number of buckets", len(buckets))
            yield gauge(
                "minio_cluster_usage_object_total",
                "Number of objects",
                sum(b.objects for b in buckets),
            )
            yield gauge(
                "minio_cluster_usage_total_bytes", "Bytes used", sum(b.size for b in buckets)
            )
            yield gauge("minio_cluster_nodes_online_total", "Nodes online", 1)
            yield gauge("minio_cluster_nodes_offline_total", "Nodes offline", 0)
        else:
            drive = str(self.service.engine.root)
            yield gauge("minio_node_drive_free_bytes", "Free bytes on the drive", free, drive=drive)
            yield gauge("minio_node_drive_total_bytes", "Bytes on the drive", total, drive=drive)
            yield gauge(
                "minio_node_process_uptime_seconds", "Uptime of the server", self.runtime.uptime
            )
            yield gauge(
                "minio_node_process_starttime_seconds",
                "Start time of the server (epoch)",
                self.runtime.started_at,
            )

    def _buckets(self, buckets: list[Any]) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        usage = GaugeMetricFamily(
            "minio_bucket_usage_total_bytes", "Total bucket size in bytes", labels=["bucket"]
        )
        objects = GaugeMetricFamily(
            "minio_bucket_usage_object_total", "Total number of objects", labels=["bucket"]
        )
        quota = GaugeMetricFamily(
            "minio_bucket_quota_total_bytes", "Total bucket quota size in bytes", labels=["bucket"]
        )
        for b in buckets:
            usage.add_metric([b.name], b.size)
            objects.add_metric([b.name], b.objects)
            if b.quota is not None:
                quota.add_metric([b.name], b.quota)
        yield usage
        yield objects
        yield quota
