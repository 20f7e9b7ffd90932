"""Grenier's admin JSON API (quotas, usage, accounts, scrub), signed with SigV4 by botocore.

The server side is ``grenier.adminapi.admin_routes``: ``/grenier/admin/v1/quota``,
``usage``, ``info`` and ``trace`` on the S3 endpoint (root, or a user allowed the route's
``admin:`` action; an account's root for its own buckets' quota and usage), and
``grenier.adminapi.accounts_route`` (``/grenier/admin/v1/accounts``: the server's root).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from grenier.client.config import Alias, get_alias
from grenier.client.errors import ClientError

if TYPE_CHECKING:
    import urllib.error

PREFIX = "/grenier/admin/v1/"
TIMEOUT = 30


class AdminApi:
    def __init__(self, alias: Alias | str) -> None:
        self.alias = get_alias(alias) if isinstance(alias, str) else alias
        if self.alias.anonymous:
            raise ClientError(
                f"{self.alias.name}: admin commands need an alias with keys", code="NoKeys"
            )

    def prepare(
        self, method: str, route: str, query: dict[str, str] | None = None, data: bytes = b""
    ) -> Any:
        """A SigV4-signed ``urllib.request.Request`` for an admin route."""
        import urllib.request  # lazily: 15 ms of every command's start-up otherwise

        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        url = self.alias.url.rstrip("/") + PREFIX + route
        if query:
            url += "?" + urlencode(query)
        request = AWSRequest(method=method, url=url, data=data)
        request.headers["Content-Type"] = "application/json"
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(data).hexdigest()
        creds = Credentials(self.alias.access_key, self.alias.secret_key)
        SigV4Auth(creds, "s3", self.alias.region or "us-east-1").add_auth(request)
        return urllib.request.Request(
            url, data=data or None, method=method, headers=dict(request.headers.items())
        )

    def open(self, prepared: Any, what: str, timeout: float | None = TIMEOUT) -> Any:
        """Send a prepared request; the response (a file-like object) or a ClientError."""
        import urllib.error
        import urllib.request

        try:
            return urllib.request.urlopen(
                prepared, timeout=timeout, context=_ssl(prepared.full_url)
            )
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, what) from None
        except OSError as exc:
            raise ClientError(f"{what}: cannot reach {self.alias.url}", code="Unreachable") from exc

    def call(
        self,
        method: str,
        route: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        timeout: float | None = TIMEOUT,
    ) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        prepared = self.prepare(method, route, query, data)
        with self.open(prepared, f"{method} {route} on {self.alias.name}") as resp:
            return dict(json.loads(resp.read() or b"{}"))

    def get_quota(self, bucket: str) -> dict[str, Any]:
        return self.call("GET", "quota", {"bucket": bucket})

    def set_quota(self, bucket: str, size: int) -> dict[str, Any]:
        return self.call("PUT", "quota", {"bucket": bucket}, {"quota": size, "quotatype": "hard"})

    def clear_quota(self, bucket: str) -> dict[str, Any]:
        return self.call("DELETE", "quota", {"bucket": bucket})

    def usage(self, bucket: str | None = None) -> dict[str, Any]:
        return self.call("GET", "usage", {"bucket": bucket} if bucket else None)

    def scrub(self, bucket: str | None = None, repair: bool = False) -> dict[str, Any]:
        """Re-hash every stored object on the server (root only; may take long: no
        timeout)."""
        query = {"bucket": bucket} if bucket else {}
        if repair:
            query["repair"] = "true"
        return self.call("POST", "scrub", query or None, timeout=None)

    # --- accounts (the server's root only) -------------------------------------------------

    def list_accounts(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "accounts").get("accounts", []))

    def add_account(self, name: str, email: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if email:
            body["email"] = email
        return self.call("POST", "accounts", body=body)

    def account_info(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"accounts/{quote(name, safe='')}")

    def set_account_status(self, name: str, enabled: bool) -> dict[str, Any]:
        status = "enabled" if enabled else "disabled"
        return self.call("PUT", f"accounts/{quote(name, safe='')}", body={"accountStatus": status})

    def remove_account(self, name: str) -> dict[str, Any]:
        return self.call("DELETE", f"accounts/{quote(name, safe='')}")


def _ssl(url: str) -> Any:
    if not url.startswith("https:"):
        return None
    from grenier.client.tls import ssl_context

    return ssl_context()


def _http_error(exc: urllib.error.HTTPError, what: str) -> ClientError:
    try:
        doc = json.loads(exc.read() or b"{}")
    except ValueError:
        doc = {}
    code = str(doc.get("Code") or f"HTTP{exc.code}")
    if code == "NoSuchBucket":
        return ClientError(f"{what}: no such bucket", code=code)
    if code == "NoSuchEntity":
        return ClientError(f"{what}: {doc.get('Message') or 'not found'}", code=code)
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return ClientError(f"{what}: access denied (admin API needs root keys)", code=code)
    if exc.code == 404 and not doc:
        return ClientError(f"{what}: this server has no Grenier admin API", code="NotSupported")
    return ClientError(f"{what}: {code}: {doc.get('Message', '')}".rstrip(": "), code=code)
