"""The console application: middlewares (session, origin and CSRF checks, errors), routes.

Paths that scripts rely on, kept stable: ``GET /`` (the login form), ``POST /login``
(fields ``accessKey``, ``secretKey``, ``csrf``), ``/browser/BUCKET/PREFIX``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console import (
    admin_accounts,
    admin_groups,
    admin_policies,
    admin_users,
    auth,
    browse,
    bucket_settings,
    datasets,
    deletes,
    monitor,
    objects,
    uploads,
)
from grenier.console.security import SAFE_METHODS, Refused, add_headers, check_csrf, check_origin
from grenier.console.sessions import LoginLimiter, Session, SessionStore
from grenier.console.settings import ConsoleSettings
from grenier.console.web import SESSION_COOKIE, STATE, ConsoleState, make_templates, render
from grenier.console.web import status_of as status_for
from grenier.console.worker_pool import WorkerPool

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC = Path(__file__).parent / "static"
PUBLIC = ("/", "/login", "/favicon.ico")


def _is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith("/static/")


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.app[STATE]
    found = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    request["session"] = found
    if request.method not in SAFE_METHODS:
        check_origin(request)
        if request.path != "/login":  # the login form checks its own token
            if found is None:
                raise Refused("not logged in (or the session expired)")
            await check_csrf(request, found.csrf)
    if found is None and not _is_public(request.path):
        if request.path.startswith("/api/"):
            raise web.HTTPUnauthorized(text="not logged in\n")
        raise web.HTTPSeeOther("/?next=" + quote(request.path_qs, safe="/"))
    try:
        return await handler(request)
    except ClientError as exc:
        if request.path.startswith("/api/"):
            return web.json_response({"error": str(exc), "code": exc.code}, status=status_for(exc))
        return await render(request, "error.html", status=status_for(exc), error=exc)


def routes() -> list[web.AbstractRouteDef]:
    r = web
    return [
        r.get("/", auth.login_page),
        r.post("/login", auth.login),
        r.post("/logout", auth.logout),
        r.get("/browser", browse.buckets),
        r.get("/browser/", browse.buckets),
        r.post("/buckets", browse.create_bucket),
        r.get("/browser/{bucket}", browse.listing),
        r.get("/browser/{bucket}/{key:.*}", browse.listing),
        r.get("/object/{bucket}/{key:.*}", objects.details),
        r.get("/download/{bucket}/{key:.*}", objects.download),
        r.post("/share/{bucket}/{key:.*}", objects.share),
        r.post("/tags/{bucket}/{key:.*}", objects.set_tags),
        r.get("/delete/{bucket}", deletes.confirm),
        r.post("/delete/{bucket}", deletes.delete),
        *uploads.routes(),
        r.get("/settings/{bucket}", bucket_settings.page),
        r.post("/settings/{bucket}/{section}", bucket_settings.update),
        *admin_users.routes(),
        *admin_accounts.routes(),
        *admin_groups.routes(),
        *admin_policies.routes(),
        r.get("/monitor", monitor.dashboard),
        r.get("/dataset/{bucket}/{key:.*}", datasets.page),
        r.get("/quicklook/{bucket}/{key:.*}", datasets.quicklook),
        r.static("/static", STATIC, append_version=False),
    ]


def _drop(session: Session) -> None:
    connection = session.connection
    session.connection = None
    if connection is not None:
        with contextlib.suppress(RuntimeError):  # no running loop: nothing left to close
            asyncio.get_running_loop().create_task(connection.close())


async def _purge_expired(app: web.Application) -> None:
    while True:
        await asyncio.sleep(60)
        app[STATE].sessions.purge()


async def _background(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(_purge_expired(app))
    yield
    task.cancel()
    console = app[STATE]
    for found in console.sessions.all():
        if found.connection is not None:
            with contextlib.suppress(Exception):
                await found.connection.close()
    await console.worker.close()


def build_app(settings: ConsoleSettings) -> web.Application:
    app = web.Application(middlewares=[session_middleware], client_max_size=1024**2)
    app[STATE] = ConsoleState(
        settings=settings,
        sessions=SessionStore(
            settings.session_idle, settings.session_lifetime, settings.max_sessions, on_drop=_drop
        ),
        limiter=LoginLimiter(settings.login_failures, settings.login_window),
        templates=make_templates(),
        worker=WorkerPool(settings.worker_timeout, settings.worker_memory),
    )
    app.add_routes(routes())
    app.on_response_prepare.append(add_headers)
    app.cleanup_ctx.append(_background)
    return app
