"""The S3 endpoint: one aiohttp handler that authenticates, authorizes, routes to an
operation handler and renders every failure as the S3 error document.

Request flow: health check → target (bucket, key) → operation (router) →
authentication (SigV4/SigV2) → authorization (per-operation action) → handler.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from grenier.engine import Bucket, Engine, EngineError
from grenier.s3 import archive, router
from grenier.s3.auth import AuthContext, RequestView, authenticate
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error, from_engine
from grenier.s3.handlers import HANDLERS
from grenier.s3.httputil import check_header_text
from grenier.s3.responses import empty, error_response
from grenier.s3.tenancy import Tenancy

log = logging.getLogger("grenier.s3")

_IDS = itertools.count(1)
_ID_PREFIX = ""


def _reset_ids() -> None:
    global _ID_PREFIX, _IDS
    _ID_PREFIX = f"{int(time.time()) & 0xFFFFFFFF:08X}{os.getpid() & 0xFFFF:04X}"
    _IDS = itertools.count(1)


_reset_ids()
os.register_at_fork(after_in_child=_reset_ids)


def next_request_id() -> str:
    """Unique per process and start (a counter, much cheaper than a uuid4)."""
    return f"{_ID_PREFIX}{next(_IDS) & 0xFFFFFFFF:08X}"


HEALTH = {"/minio/health/live", "/minio/health/ready", "/minio/health/cluster"}

SecretFor = Callable[[str], str | None]
Hook = Callable[[web.Request, str], Awaitable[web.StreamResponse | None]]


@dataclass
class S3Settings:
    region: str = "us-east-1"
    domain: str | None = None
    root_access_key: str = ""
    root_secret_key: str = ""


@dataclass
class S3Service:
    engine: Engine
    settings: S3Settings
    # Identity and policy seams, replaced when the IAM layer is wired in.
    secret_lookup: SecretFor | None = None
    authorizer: Callable[[S3Request], None] | None = None
    principal_for: Callable[[str | None], Any] | None = None
    # ListBuckets shows a principal only the buckets this allows: (req, bucket record).
    bucket_filter: Callable[[S3Request, Bucket], bool] | None = None
    # Per-item check inside multi-object operations (DeleteObjects): (req, op, key, version).
    item_authorizer: Callable[[S3Request, str, str, str | None], None] | None = None
    # The decision again once the handler has read condition keys from the body
    # (PutObjectTagging's tags): (req, extra condition keys).
    body_authorizer: Callable[[S3Request, dict[str, str | list[str]]], None] | None = None
    # Accounts: owners, ACL grantees, Block Public Access (grenier.s3.tenancy).
    tenancy: Tenancy = field(default_factory=Tenancy)
    # Hooks run before routing (health-like endpoints, IAM/admin APIs, CORS preflight);
    # the first to return a response answers the request.
    pre_routes: list[Hook] = field(default_factory=list)
    # Called on every response before it is sent (e.g. CORS headers): (request, response).
    response_hooks: list[Callable[[web.Request, web.StreamResponse], None]] = field(
        default_factory=list
    )

    def secret_for(self, access_key: str) -> str | None:
        if access_key == self.settings.root_access_key:
            return self.settings.root_secret_key
        if self.secret_lookup is not None:
            return self.secret_lookup(access_key)
        return None

    def authorize(self, req: S3Request) -> None:
        if self.authorizer is not None:
            self.authorizer(req)
            return
        if req.auth.access_key != self.settings.root_access_key:
            raise S3Error("AccessDenied")

    inflight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    async def drain(self, timeout: float) -> None:
        """Wait until no request is being handled (graceful shutdown)."""
        if self.inflight:
            self.idle.clear()
            try:
                await asyncio.wait_for(self.idle.wait(), timeout)
            except TimeoutError:
                log.warning("%d requests still in flight after %.0fs", self.inflight, timeout)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.inflight += 1
        try:
            return await self._handle(request)
        finally:
            self.inflight -= 1
            if not self.inflight:
                self.idle.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        # Metrics, audit, trace and the access log read what is left in ``request``
        # (s3_api, s3_request, s3_error) once the response is sent (grenier.server.observe).
        request["t_start"] = time.monotonic()
        request_id = next_request_id()
        request["request_id"] = request_id
        resource = request.path
        try:
            return await self._dispatch(request, request_id)
        except S3Error as err:
            request["s3_error"] = err.code
            return error_response(err, request.method, resource, request_id)
        except EngineError as exc:
            refusal = from_engine(exc)
            request["s3_error"] = refusal.code
            return error_response(refusal, request.method, resource, request_id)
        except web.HTTPException:
            raise
        except ConnectionResetError:
            raise
        except Exception:  # noqa: BLE001 - every other failure is an InternalError
            log.exception("internal error on %s %s", request.method, request.path)
            request["s3_error"] = "InternalError"
            return error_response(S3Error("InternalError"), request.method, resource, request_id)

    async def _dispatch(self, request: web.Request, request_id: str) -> web.StreamResponse:
        path = request.path
        if path in HEALTH and request.method in ("GET", "HEAD"):
            return empty(200)
        for hook in self.pre_routes:
            hooked = await hook(request, request_id)
            if hooked is not None:
                return hooked
        raw_path, _, raw_query = request.raw_path.partition("?")
        headers = request.headers
        target = router.split_target(raw_path, headers.get("host", ""), self.settings.domain)
        request["s3_bucket"] = target.bucket
        request["s3_key"] = target.key
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        operation = router.resolve(request.method, target, query, headers)
        request["s3_api"] = operation
        view = RequestView(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            vhost_bucket=target.bucket if target.virtual else None,
        )
        if operation == "PostObject":  # signed by its form's policy, checked by the handler
            auth_ctx = AuthContext(access_key=None, scheme="anonymous", payload="none")
        else:
            auth_ctx = authenticate(view, self.secret_for, region=self.settings.region)
            check_header_text(headers)
        req = S3Request(
            http=request,
            service=self,
            request_id=request_id,
            operation=operation,
            bucket=target.bucket,
            key=target.key,
            query=query,
            auth=auth_ctx,
            principal=self.principal_for(auth_ctx.access_key) if self.principal_for else None,
        )
        request["s3_request"] = req
        handler = HANDLERS.get(operation)
        if handler is None:
            raise S3Error("NotImplemented", message=f"{operation} is not implemented by Grenier.")
        if operation != "PostObject":
            self.authorize(req)
        if target.bucket is not None and self.engine.is_archive(target.bucket):
            await archive.gate(req)
        return await handler(req)


async def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response, streamed or not, carries the request id."""
    request_id = request.get("request_id", "")
    response.headers["x-amz-request-id"] = request_id
    response.headers["x-amz-id-2"] = request_id
    response.headers["Server"] = "Grenier"
    service = request.app.get("s3_service")
    if service is not None:
        for hook in service.response_hooks:
            hook(request, response)


async def _expect(request: web.Request) -> None:
    """``Expect: 100-continue`` gets its interim answer; any other expectation is ignored
    (RFC 9110 allows it) instead of aiohttp's plain-text 417."""
    if request.version >= (1, 1) and request.headers.get("expect", "").lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the interim answer is not the body


def build_app(service: S3Service) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024, handler_args={"max_field_size": 65536})
    app["s3_service"] = service
    app.on_response_prepare.append(_common_headers)
    # Every path, newlines included (a key may hold any byte: ``a%0D%0Ab``), goes to S3.
    app.router.add_route("*", "/{tail:(?s:.*)}", service.handle, expect_handler=_expect)
    return app
