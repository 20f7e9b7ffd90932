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
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from grenier.server.metrics import RequestMetrics

log = logging.getLogger("grenier.server")
access_log = logging.getLogger("grenier.access")

ACCOUNT_ID = "000000000000"
_UNSEEN = frozenset({"/minio/health/live", "/minio/health/ready", "/minio/health/cluster"})
_HIDDEN_HEADERS = frozenset({"x-amz-security-token", "cookie", "proxy-authorization"})
Sink = Callable[[dict[str, Any]], None]


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


def principal_arn(principal: Any) -> str:
    kind = getattr(principal, "kind", None)
    if kind == "root":
        return f"arn:aws:iam::{ACCOUNT_ID}:root"
    if kind == "user":
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{principal.name}"
    return "anonymous" if kind == "anonymous" else ""


def _duration(seconds: float) -> str:
    return f"{int(seconds * 1e9)}ns"


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
            for tracer in self.tracers:
                tracer.publish(record, request, response)
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
    ) -> dict[str, Any]:
        """The audit record, with MinIO's field names where it has one."""
        s3req = request.get("s3_request")
        access_key = request.get("s3_access_key")
        principal = None
        if s3req is not None:
            access_key = s3req.auth.access_key
            principal = s3req.principal
        version = response.headers.get("x-amz-version-id") or (
            s3req.query.get("versionId") if s3req is not None else None
        )
        peer = request.transport.get_extra_info("peername") if request.transport else None
        return {
            "version": "1",
            "time": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "trigger": "incoming",
            "api": {
                "name": api,
                "bucket": request.get("s3_bucket") or "",
                "object": request.get("s3_key") or "",
                "versionId": version or "",
                "status": response.reason or "",
                "statusCode": response.status,
                "errorCode": code,
                "rx": rx,
                "tx": tx,
                "timeToFirstByte": _duration(ttfb),
                "timeToResponse": _duration(elapsed),
                "timeToResponseInNS": str(int(elapsed * 1e9)),
            },
            "remotehost": peer[0] if isinstance(peer, tuple) else (request.remote or ""),
            "requestID": request.get("request_id", ""),
            "userAgent": request.headers.get("User-Agent", ""),
            "requestMethod": request.method,
            "requestPath": request.path,
            "requestHost": request.headers.get("Host", ""),
            "accessKey": access_key or "",
            "principal": principal_arn(principal) if principal is not None else "",
            "account": ACCOUNT_ID,
            "error": code,
        }

    def _access_line(self, record: dict[str, Any]) -> None:
        api = record["api"]
        access_log.info(
            '%s "%s %s" %s %s %s rx=%d tx=%d %.1fms %s',
            record["remotehost"],
            record["requestMethod"],
            record["requestPath"],
            api["statusCode"],
            api["name"],
            api["errorCode"] or "-",
            api["rx"],
            api["tx"],
            int(api["timeToResponseInNS"]) / 1e6,
            record["requestID"],
            extra={"grenier": record},
        )
