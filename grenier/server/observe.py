"""After each request: metrics, audit record, live trace and access-log line.

aiohttp calls its access logger once per request, after the response was written (or the
client went away), with the time since the request's headers arrived: that hook feeds
every observer here, so nothing is added to a handler's own path but an
``on_response_prepare`` stamp for the time to first byte. The S3 layer leaves what it
learnt in the request (``s3_api``, ``s3_error``, ``s3_request``); the admin and IAM routes
do the same.

A record never holds a secret: no query string (a presigned URL's signature and
credential live there), no ``Authorization`` signature, no security token or cookie.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from grenier.server.metrics import RequestMetrics
from grenier.server.record import RequestRecord, principal_arn

log = logging.getLogger("grenier.server")
access_log = logging.getLogger("grenier.access")

_UNSEEN = frozenset({"/minio/health/live", "/minio/health/ready", "/minio/health/cluster"})
_HIDDEN_HEADERS = frozenset({"x-amz-security-token", "cookie", "proxy-authorization"})
Sink = Callable[[RequestRecord], None]


def redact_authorization(value: str) -> str:
    """Keep the scheme and credential scope, never the signature."""
    scheme, _, rest = value.partition(" ")
    if scheme == "AWS4-HMAC-SHA256":
        credential = next(
            (p.strip() for p in rest.split(",") if p.strip().startswith("Credential=")), ""
        )
        return f"{scheme} {credential} Signature=*REDACTED*".replace("  ", " ")
    if scheme == "AWS":
        return f"AWS {rest.partition(':')[0]}:*REDACTED*"
    return f"{scheme} *REDACTED*"


def safe_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower == "authorization":
            out[name] = redact_authorization(value)
        elif lower in _HIDDEN_HEADERS:
            out[name] = "*REDACTED*"
        else:
            out[name] = value
    return out


class Observers:
    """The observers of one worker; :meth:`observe` is aiohttp's access-log call."""

    def __init__(self, metrics: RequestMetrics | None, access: bool) -> None:
        self.metrics = metrics
        self.access = access
        self.sinks: list[Sink] = []  # audit file / webhook
        self.tracers: list[Any] = []  # TraceBus (records only while someone traces)

    @property
    def enabled(self) -> bool:
        return bool(self.metrics or self.access or self.sinks or self.tracers)

    def attach(self, app: web.Application) -> None:
        app.on_response_prepare.append(self._first_byte)

    async def _first_byte(self, request: web.Request, response: web.StreamResponse) -> None:
        request["t_first"] = time.monotonic()

    def logger_class(self) -> type[AbstractAccessLogger]:
        observers = self

        class RequestObserver(AbstractAccessLogger):
            __slots__ = ()

            @property
            def enabled(self) -> bool:
                return observers.enabled

            def log(self, request: Any, response: Any, time: float) -> None:
                try:
                    observers.observe(request, response, time)
                except Exception:  # noqa: BLE001 - observing must never break a connection
                    log.exception("observing a request failed")

        return RequestObserver

    def observe(self, request: web.Request, response: web.StreamResponse, elapsed: float) -> None:
        api = request.get("s3_api")
        if api is None:
            if request.path in _UNSEEN or request.get("s3_error") is None:
                return  # health checks, metrics scrapes, aiohttp's own 400s
            api = "unknown"
        now = time.monotonic()
        started = request.get("t_start")
        if started is not None:  # finer than aiohttp's loop clock (1 ms under uvloop)
            elapsed = now - started
        else:
            started = now - elapsed
        ttfb = request.get("t_first", now) - started
        status = response.status
        content = getattr(request, "content", None)
        rx = getattr(content, "total_bytes", 0) or 0
        tx = response.body_length
        code = request.get("s3_error") or ""
        if self.metrics is not None and ":" not in api:
            self.metrics.record(api.lower(), status, rx, tx, ttfb, elapsed, code)
        tracing = any(t.active for t in self.tracers)
        if not (self.sinks or self.access or tracing):
            return
        record = self.record(request, response, api, code, rx, tx, ttfb, elapsed)
        for sink in self.sinks:
            sink(record)
        if tracing:
            as_dict = record.as_dict()
            for tracer in self.tracers:
                tracer.publish(as_dict, request, response)
        if self.access:
            self._access_line(record)

    def record(
        self,
        request: web.Request,
        response: web.StreamResponse,
        api: str,
        code: str,
        rx: int,
        tx: int,
        ttfb: float,
        elapsed: float,
    ) -> RequestRecord:
        s3req = request.get("s3_request")
        access_key = request.get("s3_access_key")
        principal = ""
        version = response.headers.get("x-amz-version-id")
        if s3req is not None:
            access_key = s3req.auth.access_key
            principal = principal_arn(s3req.principal) if s3req.principal is not None else ""
            version = version or s3req.query.get("versionId")
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        headers = request.headers
        return RequestRecord(
            time=time.time(),
            api=api,
            bucket=request.get("s3_bucket") or "",
            object=request.get("s3_key") or "",
            version=version or "",
            status=response.reason or "",
            status_code=response.status,
            code=code,
            rx=rx,
            tx=tx,
            ttfb=ttfb,
            elapsed=elapsed,
            remote=peer[0] if isinstance(peer, tuple) else (request.remote or ""),
            request_id=request.get("request_id", ""),
            user_agent=headers.get("User-Agent", ""),
            method=request.method,
            path=request.path,
            host=headers.get("Host", ""),
            access_key=access_key or "",
            principal=principal,
        )

    def _access_line(self, record: RequestRecord) -> None:
        fields = record.as_dict()
        access_log.info(
            '%s "%s %s" %s %s %s rx=%d tx=%d %.1fms %s',
            record.remote,
            record.method,
            record.path,
            record.status_code,
            record.api,
            record.code or "-",
            record.rx,
            record.tx,
            record.elapsed * 1000,
            record.request_id,
            extra={"grenier": fields},
        )
