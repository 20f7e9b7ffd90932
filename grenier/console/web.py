"""What every page handler uses: the app state, the session, rendering, redirects, key URLs.

Templates are Jinja2 with autoescaping on for every ``.html`` template, so keys, tags,
metadata and attributes are always escaped; URLs to keys are built by :func:`key_url`,
never by string concatenation in a template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jinja2
from aiohttp import web

from grenier.client.errors import ClientError
from grenier.client.units import human_size

if TYPE_CHECKING:
    from grenier.console.connection import UserConnection
    from grenier.console.sessions import LoginLimiter, Session, SessionStore
    from grenier.console.settings import ConsoleSettings
    from grenier.console.worker_pool import WorkerPool

SESSION_COOKIE = "grenier_console"
LOGIN_COOKIE = "grenier_console_login"


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    sessions: SessionStore
    limiter: LoginLimiter
    templates: jinja2.Environment
    worker: WorkerPool
    cache: dict[str, Any] = field(default_factory=dict)


STATE: web.AppKey[ConsoleState] = web.AppKey("console_state", ConsoleState)


def state(request: web.Request) -> ConsoleState:
    return request.app[STATE]


def session(request: web.Request) -> Session:
    found: Session | None = request.get("session")
    if found is None:
        raise web.HTTPSeeOther("/")
    return found


def conn(request: web.Request) -> UserConnection:
    found: UserConnection = session(request).connection
    return found


def _segments_safe(key: str) -> bool:
    """True when a browser keeps the key intact in a URL path ('.' and '..' segments are
    resolved by browsers, even percent-encoded)."""
    return not any(seg in (".", "..") for seg in key.split("/"))


def key_url(base: str, bucket: str, key: str = "", **query: str) -> str:
    """``/base/BUCKET/KEY`` with the key percent-encoded, or ``?key=`` when a path cannot
    carry it unchanged."""
    extra = {k: v for k, v in query.items() if v}
    if key and not _segments_safe(key):
        extra = {"key": key, **extra}
        key = ""
    url = f"/{base}/{quote(bucket, safe='')}/{quote(key, safe='/')}"
    return url + ("?" + urlencode(extra) if extra else "")


def request_key(request: web.Request, name: str = "key") -> str:
    """The key (or prefix) a request names: ``?key=`` when present, else the path's tail."""
    if name in request.query:
        return request.query[name]
    return request.match_info.get("key", "")


def bucket_of(request: web.Request) -> str:
    return request.match_info["bucket"]


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return "" if value is None else str(value)


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grenier.console", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["size"] = lambda n: human_size(n) if isinstance(n, int | float) else ""
    env.filters["when"] = _when
    env.filters["pretty"] = lambda doc: json.dumps(doc, indent=2, sort_keys=False, default=str)
    env.filters["q"] = lambda text: quote(str(text), safe="")
    env.globals["key_url"] = key_url
    return env


async def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    found: Session | None = request.get("session")
    page = state(request).templates.get_template(template)
    text = page.render(
        request=request,
        user=found,
        csrf=found.csrf if found else context.pop("login_csrf", ""),
        flashes=found.pop_flashes() if found else [],
        **context,
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def flash(request: web.Request, kind: str, text: str) -> None:
    found: Session | None = request.get("session")
    if found is not None:
        found.flash(kind, text)


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def attempt(
    request: web.Request, back: str, done: str, work: Any, failed: str | None = None
) -> web.Response:
    """Await ``work`` (a state change); flash ``done`` or the one-line error; go ``back``
    (or ``failed`` after an error)."""
    try:
        await work
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other(failed or back)
    else:
        if done:
            flash(request, "ok", done)
    return see_other(back)


def status_of(exc: ClientError) -> int:
    if exc.code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return 403
    if exc.code.startswith("NoSuch") or exc.code == "NotFound":
        return 404
    if exc.code in ("Unreachable", "Timeout"):
        return 502
    return 400
