"""``/admin/users``: IAM users, their keys, policies and groups (the IAM Query API, with
the logged-in user's rights: a user without ``admin:*`` permissions sees AccessDenied)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.connection import UserConnection
from grenier.console.web import conn, flash, render, see_other


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/admin/users", users),
        web.post("/admin/users", create),
        web.get("/admin/users/{name}", user),
        web.post("/admin/users/{name}/{action}", act),
    ]


def user_url(name: str) -> str:
    return f"/admin/users/{quote(name, safe='')}"


async def users(request: web.Request) -> web.Response:
    c = conn(request)
    found, policies = await asyncio.gather(
        c.call("list users", c.iam.list_users), c.call("list policies", c.iam.list_policies)
    )
    return await render(request, "users.html", users=found, policies=policies)


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    name, secret = str(form.get("user", "")).strip(), str(form.get("secret", ""))
    policy = str(form.get("policy", ""))
    c = conn(request)
    try:
        if not name or len(secret) < 8:
            raise ClientError("a user name and a secret of 8 characters or more are needed")
        await c.call(f"add user {name}", c.iam.add_user, name, secret)
        if policy:
            await c.call(
                f"attach {policy}", c.iam.attach, policy, user=name, group=None, detach=False
            )
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other("/admin/users")
    flash(request, "ok", f"User {name} created" + (f" with policy {policy}" if policy else ""))
    return see_other(user_url(name))


async def user(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    c = conn(request)
    info, policies, groups = await asyncio.gather(
        c.call(f"user {name}", c.iam.user_info, name),
        c.call("list policies", c.iam.list_policies),
        c.call("list groups", c.iam.list_groups),
    )
    return await render(request, "user.html", info=info, policies=policies, groups=groups)


Action = Callable[[UserConnection, str, Any], Awaitable[str]]


async def _status(c: UserConnection, name: str, form: Any) -> str:
    enabled = form.get("status") == "enabled"
    await c.call(f"user {name}", c.iam.set_user_status, name, enabled)
    return f"User {name} {'enabled' if enabled else 'disabled'}"


async def _attach(c: UserConnection, name: str, form: Any, detach: bool = False) -> str:
    policy = str(form.get("policy", ""))
    await c.call(f"policy {policy}", c.iam.attach, policy, user=name, group=None, detach=detach)
    return f"Policy {policy} {'detached from' if detach else 'attached to'} {name}"


async def _detach(c: UserConnection, name: str, form: Any) -> str:
    return await _attach(c, name, form, detach=True)


async def _join(c: UserConnection, name: str, form: Any) -> str:
    group = str(form.get("group", ""))
    await c.call(f"group {group}", c.iam.add_group, group, [name])
    return f"{name} added to group {group}"


async def _leave(c: UserConnection, name: str, form: Any) -> str:
    group = str(form.get("group", ""))
    await c.call(f"group {group}", c.iam.remove_group, group, [name])
    return f"{name} removed from group {group}"


async def _key_create(c: UserConnection, name: str, form: Any) -> str:
    found = await c.call(f"new key for {name}", lambda: c.iam.iam.create_access_key(UserName=name))
    key = found["AccessKey"]
    return (
        f"New access key {key['AccessKeyId']} with secret {key['SecretAccessKey']} "
        "(shown once: copy it now)"
    )


async def _key_delete(c: UserConnection, name: str, form: Any) -> str:
    key = str(form.get("accessKey", ""))
    await c.call(
        f"delete key {key}", lambda: c.iam.iam.delete_access_key(UserName=name, AccessKeyId=key)
    )
    return f"Access key {key} deleted"


async def _key_status(c: UserConnection, name: str, form: Any) -> str:
    key, status = str(form.get("accessKey", "")), str(form.get("status", ""))
    if status not in ("Active", "Inactive"):
        raise ClientError("key status must be Active or Inactive")
    await c.call(
        f"key {key}",
        lambda: c.iam.iam.update_access_key(UserName=name, AccessKeyId=key, Status=status),
    )
    return f"Access key {key} is {status.lower()}"


async def _delete(c: UserConnection, name: str, form: Any) -> str:
    await c.call(f"remove user {name}", c.iam.remove_user, name)
    return f"User {name} deleted"


ACTIONS: dict[str, Action] = {
    "status": _status,
    "attach": _attach,
    "detach": _detach,
    "join": _join,
    "leave": _leave,
    "key-create": _key_create,
    "key-delete": _key_delete,
    "key-status": _key_status,
    "delete": _delete,
}


async def run_action(
    request: web.Request, actions: dict[str, Action], back: str, gone: str
) -> web.Response:
    """The shared shape of the admin forms: one named action, flash its outcome, go back
    (to ``gone`` after a deletion)."""
    name, action = request.match_info["name"], request.match_info["action"]
    handler = actions.get(action)
    if handler is None:
        raise web.HTTPNotFound(text=f"no action {action!r}\n")
    form = await request.post()
    try:
        flash(request, "ok", await handler(conn(request), name, form))
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other(back)
    return see_other(gone if action == "delete" else back)


async def act(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await run_action(request, ACTIONS, user_url(name), "/admin/users")
