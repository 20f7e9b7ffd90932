"""Bucket features wired into the S3 service: CORS and the lifecycle sweeper.

``install(service, cfg)`` (called by ``grenier.server.wiring``) adds:

* a pre-route hook answering CORS preflight requests (``OPTIONS`` on a bucket or an
  object) from the bucket's CORS rules: 200 with the Access-Control-* headers, 403
  AccessForbidden when no rule matches, 400 BadRequest without Origin or
  Access-Control-Request-Method;
* a response hook adding Access-Control-* and ``Vary`` to every response (errors
  included) of a request that carries an ``Origin`` the bucket's rules allow;
* the lifecycle sweeper: every ``cfg.lifecycle_interval`` seconds, each bucket's
  enabled rules are applied as engine transactions. ``GRENIER_LIFECYCLE_DAY_SECONDS``
  (a test knob, default 86400) sets how many seconds a lifecycle "day" lasts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from grenier.engine import DAY, Engine, EngineError, SweepStats
from grenier.s3 import router
from grenier.s3.errors import S3Error, from_engine
from grenier.s3.handlers import cors
from grenier.s3.responses import error_response

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

log = logging.getLogger("grenier.lifecycle")
_tasks: set[asyncio.Task[None]] = set()


# -- CORS ------------------------------------------------------------------------------
def _bucket_of(service: S3Service, request: web.Request) -> str | None:
    raw_path = request.raw_path.partition("?")[0]
    try:
        target = router.split_target(
            raw_path, request.headers.get("host", ""), service.settings.domain
        )
    except S3Error:
        return None
    return target.bucket


def preflight_hook(service: S3Service) -> Callable[[web.Request, str], Any]:
    async def hook(request: web.Request, request_id: str) -> web.StreamResponse | None:
        if request.method != "OPTIONS":
            return None
        name = _bucket_of(service, request)
        if name is None:
            return None
        request["s3_bucket"] = name
        request["cors_preflight"] = True
        try:
            return preflight(service.engine, name, request)
        except S3Error as err:
            return error_response(err, "OPTIONS", request.path, request_id)
        except EngineError as exc:
            return error_response(from_engine(exc), "OPTIONS", request.path, request_id)

    return hook


def preflight(engine: Engine, name: str, request: web.Request) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    method = request.headers.get("Access-Control-Request-Method")
    if not origin:
        raise S3Error("BadRequest")
    if not method:
        raise S3Error("BadRequest", message=f"Invalid Access-Control-Request-Method: {method}")
    bucket = engine.get_bucket(name)
    rules = cors.rules_of(bucket)
    if not rules:
        raise S3Error(
            "AccessForbidden", message="CORSResponse: CORS is not enabled for this bucket."
        )
    raw = request.headers.get("Access-Control-Request-Headers", "")
    requested = [h.strip() for h in raw.split(",") if h.strip()]
    found = cors.find_rule(rules, origin, method, requested)
    if found is None:
        raise S3Error(
            "AccessForbidden",
            extra={
                "Method": method,
                "ResourceType": "OBJECT" if request.path.count("/") > 1 else "BUCKET",
            },
        )
    rule, pattern = found
    headers = cors.allow_headers(rule, pattern, origin)
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    return web.Response(status=200, headers=headers)


def cors_response_hook(service: S3Service) -> Callable[[web.Request, web.StreamResponse], None]:
    def hook(request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get("Origin")
        name = request.get("s3_bucket")
        if not origin or not name or request.get("cors_preflight"):
            return
        try:
            rules = cors.rules_of(service.engine.get_bucket(name))
        except EngineError:
            return
        method = request.headers.get("Access-Control-Request-Method") or request.method
        found = cors.find_rule(rules, origin, method)
        if found is None:
            return
        for header, value in cors.allow_headers(*found, origin).items():
            response.headers[header] = value

    return hook


# -- lifecycle -------------------------------------------------------------------------
def day_seconds() -> float:
    try:
        return max(0.001, float(os.environ.get("GRENIER_LIFECYCLE_DAY_SECONDS", DAY)))
    except ValueError:
        return DAY


async def sweep(engine: Engine, now: float | None = None) -> SweepStats:
    """One pass over every bucket's enabled lifecycle rules."""
    return await engine.apply_lifecycle(time.time() if now is None else now, day_seconds())


async def sweeper(engine: Engine, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            stats = await sweep(engine)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the sweeper must outlive one bad pass
            log.exception("lifecycle sweep failed")
            continue
        if stats.expired + stats.noncurrent_removed + stats.markers_removed + stats.uploads_aborted:
            log.info("lifecycle: %s", stats)
        for error in stats.errors:
            log.info("lifecycle: %s", error)


def start_sweeper(service: S3Service, interval: float) -> None:
    task = asyncio.get_running_loop().create_task(sweeper(service.engine, interval))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def install(service: S3Service, cfg: Any) -> None:
    service.pre_routes.append(preflight_hook(service))
    service.response_hooks.append(cors_response_hook(service))
    interval = float(getattr(cfg, "lifecycle_interval", 3600) or 0)
    if interval <= 0:
        return
    try:
        start_sweeper(service, interval)
    except RuntimeError:  # no running loop yet: start with the first request
        started: list[bool] = []

        async def lazy(request: web.Request, request_id: str) -> None:
            if not started:
                started.append(True)
                start_sweeper(service, interval)
            return None

        service.pre_routes.insert(0, lazy)
