"""``/admin/groups``: IAM groups, their members and attached policies."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.admin_users import Action, run_action
from grenier.console.connection import UserConnection
from grenier.console.web import conn, flash, render, see_other


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/admin/groups", groups),
        web.post("/admin/groups", create),
        web.get("/admin/groups/{name}", group),
        web.post("/admin/groups/{name}/{action}", act),
    ]


def group_url(name: str) -> str:
    return f"/admin/groups/{quote(name, safe='')}"


async def groups(request: web.Request) -> web.Response:
    c = conn(request)
    names, users = await asyncio.gather(
        c.call("list groups", c.iam.list_groups), c.call("list users", c.iam.list_users)
    )
    return await render(request, "groups.html", groups=names, users=users)


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("group", "")).strip()
    members = [m for m in re.split(r"[\s,]+", str(form.get("members", ""))) if m]
    c = conn(request)
    try:
        if not name:
            raise ClientError("a group name is needed")
        await c.call(f"add group {name}", c.iam.add_group, name, members)
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other("/admin/groups")
    flash(request, "ok", f"Group {name} created")
    return see_other(group_url(name))


async def group(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    c = conn(request)
    info, policies, users = await asyncio.gather(
        c.call(f"group {name}", c.iam.group_info, name),
        c.call("list policies", c.iam.list_policies),
        c.call("list users", c.iam.list_users),
    )
    return await render(request, "group.html", info=info, policies=policies, users=users)


async def _add(c: UserConnection, name: str, form: Any) -> str:
    member = str(form.get("user", ""))
    await c.call(f"group {name}", c.iam.add_group, name, [member])
    return f"{member} added to {name}"


async def _remove(c: UserConnection, name: str, form: Any) -> str:
    member = str(form.get("user", ""))
    await c.call(f"group {name}", c.iam.remove_group, name, [member])
    return f"{member} removed from {name}"


async def _attach(c: UserConnection, name: str, form: Any, detach: bool = False) -> str:
    policy = str(form.get("policy", ""))
    await c.call(f"policy {policy}", c.iam.attach, policy, user=None, group=name, detach=detach)
    return f"Policy {policy} {'detached from' if detach else 'attached to'} group {name}"


async def _detach(c: UserConnection, name: str, form: Any) -> str:
    return await _attach(c, name, form, detach=True)


async def _delete(c: UserConnection, name: str, form: Any) -> str:
    await c.call(f"remove group {name}", c.iam.remove_group, name, [])
    return f"Group {name} deleted"


ACTIONS: dict[str, Action] = {
    "add": _add,
    "remove": _remove,
    "attach": _attach,
    "detach": _detach,
    "delete": _delete,
}


async def act(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await run_action(request, ACTIONS, group_url(name), "/admin/groups")
