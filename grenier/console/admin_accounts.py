"""``/admin/accounts``: the server's accounts (tenants), for the server's root only.

Every page is the admin JSON API (``grenier.client.admin_api``) called with the logged-in
keys, so only the server's root gets anything but AccessDenied; the navigation link is
shown to it alone (learnt at login).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.admin_users import Action, run_action
from grenier.console.connection import UserConnection
from grenier.console.web import conn, flash, render, see_other

LISTING = "/admin/accounts"


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get(LISTING, accounts),
        web.post(LISTING, create),
        web.get(LISTING + "/{name}", account),
        web.post(LISTING + "/{name}/{action}", act),
    ]


def account_url(name: str) -> str:
    return f"{LISTING}/{quote(name, safe='')}"


async def accounts(request: web.Request) -> web.Response:
    c = conn(request)
    found = await c.call("list accounts", c.admin.list_accounts)
    return await render(request, "accounts.html", accounts=found)


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("account", "")).strip()
    email = str(form.get("email", "")).strip() or None
    c = conn(request)
    try:
        if not name:
            raise ClientError("an account name is needed")
        doc = await c.call(f"add account {name}", c.admin.add_account, name, email)
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other(LISTING)
    flash(
        request,
        "ok",
        f"Account {doc['account']} created (account ID {doc['accountId']}). Its root access "
        f"key is {doc['accessKey']} with secret {doc['secretKey']} (shown once: copy it now)",
    )
    return see_other(account_url(name))


async def account(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    c = conn(request)
    info = await c.call(f"account {name}", c.admin.account_info, name)
    return await render(request, "account.html", info=info)


async def _status(c: UserConnection, name: str, form: Any) -> str:
    enabled = form.get("accountStatus") == "enabled"
    await c.call(f"account {name}", c.admin.set_account_status, name, enabled)
    return f"Account {name} {'enabled' if enabled else 'disabled'}"


async def _delete(c: UserConnection, name: str, form: Any) -> str:
    await c.call(f"remove account {name}", c.admin.remove_account, name)
    return f"Account {name} removed"


ACTIONS: dict[str, Action] = {"status": _status, "delete": _delete}


async def act(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await run_action(request, ACTIONS, account_url(name), LISTING)
