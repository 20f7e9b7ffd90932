"""Headers every answer carries, and the checks every state change passes.

* A strict Content-Security-Policy (scripts and styles only from ``/static/``, no inline
  code, no framing), ``nosniff``, no referrer to other sites (keys in URLs stay private), no caching of
  pages (they show private data).
* A state change (any method but GET/HEAD/OPTIONS) must come from this origin
  (``Sec-Fetch-Site`` and ``Origin`` when the browser sends them) and carry the session's
  CSRF token, in the ``csrf`` form field or the ``X-CSRF-Token`` header. The session
  cookie is ``SameSite=Strict`` too, so a cross-site form arrives without a session.
"""

from __future__ import annotations

import hmac

from aiohttp import web

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Origin "null"
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response, errors and static files included."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


class Refused(web.HTTPForbidden):
    def __init__(self, reason: str) -> None:
        super().__init__(text=f"403 Forbidden: {reason}\n", content_type="text/plain")


def check_origin(request: web.Request) -> None:
    """Refuse a state change that a browser says comes from another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise Refused("cross-site request refused")
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise Refused("cross-origin request refused")


async def submitted_token(request: web.Request) -> str:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.content_type in FORM_TYPES:
        form = await request.post()
        value = form.get("csrf")
        token = value if isinstance(value, str) else None
    return token or ""


def same_token(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given, expected)


async def check_csrf(request: web.Request, expected: str) -> None:
    if not same_token(await submitted_token(request), expected):
        raise Refused("missing or wrong CSRF token (reload the page)")
