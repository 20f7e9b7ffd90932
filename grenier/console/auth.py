"""Login and logout.

``GET /`` is the login form; it sets a short-lived login cookie holding a random token that
the form repeats in its ``csrf`` field (double submit: a page of another site can neither
read the cookie nor the token). ``POST /login`` checks the keys by signing one request with
them (ListBuckets): a wrong key or secret is refused by the server itself. Failed logins are
limited per client address and per access key (429 with Retry-After).
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Callable

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.connection import UserConnection, is_denied
from grenier.console.security import check_origin, same_token
from grenier.console.web import LOGIN_COOKIE, SESSION_COOKIE, render, see_other, state

LOGIN_TOKEN_AGE = 3600


def safe_next(target: str) -> str:
    """Only same-site paths (no scheme, no ``//host``) may follow a login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/browser/"


async def login_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    if request.get("session") is not None:
        raise web.HTTPSeeOther("/browser/")
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = await render(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next=safe_next(request.query.get("next", "/browser/")),
        error=error,
        access_key=request.get("tried_key", ""),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=LOGIN_TOKEN_AGE,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=state(request).settings.secure_cookies or None,
    )
    return response


async def _capabilities(connection: UserConnection) -> tuple[bool, bool]:
    """(may administer IAM, is root): learnt by asking, to show or hide navigation only."""

    async def probe(what: str, func: Callable[[], object]) -> bool:
        try:
            await connection.call(what, func)
        except ClientError:
            return False
        return True

    can_admin, is_root = await asyncio.gather(
        probe("list users", lambda: connection.iam.iam.list_users(MaxItems=1)),
        probe("accounts", lambda: connection.admin.list_accounts()),  # the server's root only
    )
    return can_admin, is_root


async def login(request: web.Request) -> web.StreamResponse:
    check_origin(request)
    console = state(request)
    form = await request.post()
    access_key = str(form.get("accessKey", "")).strip()
    secret_key = str(form.get("secretKey", ""))
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
        raise web.HTTPForbidden(text="403 Forbidden: missing or wrong CSRF token\n")
    request["tried_key"] = access_key
    address = request.remote or "?"
    wait = console.limiter.retry_after(address, access_key)
    if wait > 0:
        response = await login_page(
            request, error="Too many failed logins; try again later.", status=429
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    if not access_key or not secret_key:
        return await login_page(request, error="Enter an access key and a secret key.", status=400)
    settings = console.settings
    connection = UserConnection(settings.s3_url, settings.region, access_key, secret_key)
    try:
        await connection.s3("login", "list_buckets")
    except ClientError as exc:
        if exc.code != "AccessDenied":  # AccessDenied: valid keys without ListBuckets
            await connection.close()
            if is_denied(exc):
                console.limiter.failed(address, access_key)
                return await login_page(
                    request, error="Wrong access key or secret key.", status=401
                )
            return await login_page(request, error=str(exc), status=502)
    console.limiter.succeeded(access_key)
    session = console.sessions.create(access_key, secret_key)
    session.connection = connection
    session.can_admin, session.is_root = await _capabilities(connection)
    response = see_other(safe_next(str(form.get("next", "/browser/"))))
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies or None,
    )
    response.del_cookie(LOGIN_COOKIE, path="/")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        state(request).sessions.delete(token)
    response = see_other("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
