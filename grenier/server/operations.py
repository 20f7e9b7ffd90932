"""One worker's operator surface, assembled: metrics, audit, trace, access log, TLS.

``Operations.install`` plugs the observers into the S3 application and the admin API;
``start``/``stop`` run their background tasks (metrics flush, audit webhook, trace
socket, certificate watch); ``reload`` is SIGHUP (certificates re-read, audit file
reopened).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

from aiohttp import web

from grenier.iam.store import IamStore
from grenier.server.admin_ext import ServerAdmin
from grenier.server.audit import AuditFile, AuditWebhook, webhook_from_env
from grenier.server.exporter import MetricsRoute
from grenier.server.metrics import RequestMetrics
from grenier.server.observe import Observers
from grenier.server.runtime import Runtime
from grenier.server.tls import CertStore
from grenier.server.trace import TraceBus

if TYPE_CHECKING:
    from grenier.adminapi.admin_routes import AdminRoute
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig
    from grenier.server.connections import ConnectionGuard

log = logging.getLogger("grenier.server")

FLUSH_INTERVAL = 1.0
METRICS_ENV = "GRENIER_METRICS"  # "off": no request metrics (benchmarks' A/B switch)


def metrics_enabled() -> bool:
    return os.environ.get(METRICS_ENV, "on").lower() not in ("off", "0", "false", "no")


class Operations:
    def __init__(self, cfg: ServerConfig, runtime: Runtime, certs: CertStore) -> None:
        self.cfg = cfg
        self.runtime = runtime
        self.certs = certs
        self.metrics = RequestMetrics() if metrics_enabled() else None
        self.observers = Observers(self.metrics, cfg.access_log)
        self.trace = TraceBus(runtime.run_dir)
        self.observers.tracers.append(self.trace)
        self.audit_file = AuditFile(cfg.audit_log) if cfg.audit_log else None
        self.webhook: AuditWebhook | None = None
        self.guard: ConnectionGuard | None = None
        self._flusher: asyncio.Task[None] | None = None

    def install(self, service: S3Service, app: web.Application, admin: AdminRoute | None) -> None:
        self.observers.attach(app)
        if self.audit_file is not None:
            self.observers.sinks.append(self.audit_file)
        self.webhook = webhook_from_env(self.metrics, self.certs.client_context())
        if self.webhook is not None:
            self.observers.sinks.append(self.webhook)
        store = IamStore.shared(self.cfg.data_dir)
        service.pre_routes.insert(
            0,
            MetricsRoute(
                service, store, self.metrics or RequestMetrics(), self.runtime, self.inflight
            ),
        )
        if admin is not None:
            ServerAdmin(service, self.runtime, self.certs, self.trace, self.audit_facts()).install(
                admin
            )

    def audit_facts(self) -> dict[str, Any]:
        return {
            "file": str(self.cfg.audit_log) if self.cfg.audit_log else None,
            "webhook": self.webhook is not None,
        }

    def runner_kwargs(self) -> dict[str, Any]:
        """aiohttp's access-log hook, which the observers use (called after each response)."""
        return {
            "access_log": logging.getLogger("grenier.access"),
            "access_log_class": self.observers.logger_class(),
        }

    def inflight(self) -> dict[str, int]:
        """Requests being handled, by API (sampled from the open connections)."""
        counts: dict[str, int] = {}
        if self.guard is None:
            return counts
        for conn in self.guard.connections:
            request = getattr(conn.inner, "_current_request", None)
            api = request.get("s3_api") if request is not None else None
            if api and ":" not in api:
                counts[api.lower()] = counts.get(api.lower(), 0) + 1
        return counts

    async def start(self, guard: ConnectionGuard) -> None:
        self.guard = guard
        await self.trace.start()
        if self.webhook is not None:
            self.webhook.start()
        self.certs.start_watching()
        if self.metrics is not None or self.webhook is not None:
            self._flusher = asyncio.ensure_future(self._flush_forever())

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self.flush()

    def flush(self) -> None:
        try:
            if self.metrics is not None:
                self.metrics.flush(self.inflight())
            if self.webhook is not None:
                self.webhook.report()
        except Exception:  # noqa: BLE001 - metrics must never stop a worker
            log.exception("metrics flush failed")

    def reload(self) -> None:
        self.certs.reload()
        if self.audit_file is not None:
            self.audit_file.reopen()

    async def stop_streams(self) -> None:
        """Before draining: end live trace streams (they would hold the drain)."""
        await self.trace.stop()

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        self.certs.stop_watching()
        if self.webhook is not None:
            await self.webhook.stop()
        if self.audit_file is not None:
            self.audit_file.close()
        self.flush()
