"""``/monitor``: the dashboard, a list of panels.

A panel is a name, a template fragment (``templates/panels/NAME.html``) and an async loader
that fetches what it shows with the user's own keys; a loader that is refused or has
nothing to show returns ``{"error": ...}`` and the panel says so, the others still render.
Today there is usage per bucket (Grenier's admin JSON API, root only). Request rates and
errors (the server's Prometheus counters), a live request trace and a live event watch
come with their own issues: each adds one ``Panel`` to ``PANELS`` (a live panel's loader
returns the URL of its stream, and its fragment's script subscribes to it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.connection import UserConnection
from grenier.console.web import conn, render


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    load: Callable[[UserConnection], Awaitable[dict[str, Any]]]


async def _usage(c: UserConnection) -> dict[str, Any]:
    usage = await c.call("usage", c.admin.usage)
    rows = sorted(usage.get("buckets", []), key=lambda b: -int(b.get("size") or 0))
    for row in rows:
        quota = row.get("quota")
        row["used"] = min(100, round(100 * row["size"] / quota)) if quota else None
    return {"buckets": rows, "size": usage.get("size", 0), "objects": usage.get("objects", 0)}


PANELS: list[Panel] = [Panel("usage", "Usage per bucket", _usage)]


async def _load(panel: Panel, c: UserConnection) -> dict[str, Any]:
    try:
        return await panel.load(c)
    except ClientError as exc:
        return {"error": str(exc)}


async def dashboard(request: web.Request) -> web.Response:
    c = conn(request)
    loaded = await asyncio.gather(*(_load(p, c) for p in PANELS))
    return await render(request, "monitor.html", panels=list(zip(PANELS, loaded, strict=True)))
