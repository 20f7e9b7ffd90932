"""The server's own admin routes, served through the admin API's authentication and
authorization (``grenier.adminapi.admin_routes.AdminRoute.add``):

* ``GET /grenier/admin/v1/info`` (``admin:ServerInfo``): version, uptime, workers,
  durability, TLS, buckets, objects, usage, free space, audit targets, and buckets,
  objects and usage per account;
* ``GET /grenier/admin/v1/trace?status-code=N&path=GLOB&verbose=true`` (``admin:ServerTrace``):
  a stream of JSON lines, one per finished request on any worker, until the client leaves;
  an empty line every 15 s keeps idle proxies and clients from timing out.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from grenier import __version__
from grenier.s3.errors import S3Error
from grenier.s3.tenancy import owner_of
from grenier.server.runtime import Runtime
from grenier.server.trace import TraceBus, TraceFilter

if TYPE_CHECKING:
    from grenier.adminapi.admin_routes import AdminRoute
    from grenier.s3.app import S3Service
    from grenier.server.tls import CertStore

HEARTBEAT = 15.0


class ServerAdmin:
    def __init__(
        self,
        service: S3Service,
        runtime: Runtime,
        certs: CertStore,
        trace: TraceBus,
        audit: dict[str, Any],
    ) -> None:
        self.service = service
        self.runtime = runtime
        self.certs = certs
        self.trace = trace
        self.audit = audit

    def install(self, admin: AdminRoute) -> None:
        admin.add("GET", "info", "admin:ServerInfo", self.info)
        admin.add("GET", "trace", "admin:ServerTrace", self.stream_trace)

    async def info(self, request: web.Request, body: bytes) -> web.StreamResponse:
        rt = self.runtime
        buckets = self.service.engine.list_buckets()
        vfs = os.statvfs(self.service.engine.root)
        doc = {
            "version": __version__,
            "endpoint": rt.endpoint,
            "region": rt.region,
            "started": datetime.fromtimestamp(rt.started_at, UTC).isoformat(timespec="seconds"),
            "uptime": round(rt.uptime, 3),
            "workers": rt.workers,
            "durability": rt.durability,
            "tls": {
                "enabled": self.certs.context is not None,
                "certs_dir": str(self.certs.dir),
                "certificates": [
                    {"names": list(c.names), "not_after": c.not_after, "issuer": c.issuer}
                    for c in self.certs.certificates
                ],
            },
            "buckets": len(buckets),
            "objects": sum(b.objects for b in buckets),
            "usage": sum(b.size for b in buckets),
            "free_space": vfs.f_bavail * vfs.f_frsize,
            "total_space": vfs.f_blocks * vfs.f_frsize,
            "audit": self.audit,
            "accounts": self._accounts(buckets),
        }
        return web.Response(text=json.dumps(doc), content_type="application/json")

    def _accounts(self, buckets: list[Any]) -> list[dict[str, Any]]:
        """Buckets, objects and bytes per account (accounts that own no bucket: zeros)."""
        tenancy = self.service.tenancy
        totals: dict[str, dict[str, Any]] = {}
        for name in tenancy.account_names():
            totals[name] = {"account": name, "buckets": 0, "objects": 0, "usage": 0}
        for bucket in buckets:
            name = tenancy.display_name(owner_of(bucket))
            row = totals.setdefault(name, {"account": name, "buckets": 0, "objects": 0, "usage": 0})  # fmt: skip
            row["buckets"] += 1
            row["objects"] += bucket.objects
            row["usage"] += bucket.size
        return sorted(totals.values(), key=lambda r: str(r["account"]))

    async def stream_trace(self, request: web.Request, body: bytes) -> web.StreamResponse:
        query = dict(parse_qsl(request.raw_path.partition("?")[2]))
        try:
            status = int(query["status-code"]) if query.get("status-code") else None
        except ValueError:
            raise S3Error("InvalidArgument", message="status-code must be a number") from None
        flt = TraceFilter(
            status_code=status,
            path=query.get("path") or None,
            verbose=query.get("verbose", "").lower() in ("1", "true", "yes"),
        )
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"\n")  # the client knows the stream is open
        subscription = self.trace.subscribe(flt)
        try:
            while True:
                try:
                    record = await asyncio.wait_for(subscription.get(), HEARTBEAT)
                except TimeoutError:
                    await response.write(b"\n")
                    continue
                if record is None:
                    return response
                await response.write(json.dumps(record).encode() + b"\n")
        finally:
            subscription.close()
