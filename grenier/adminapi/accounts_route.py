"""Accounts through Grenier's admin JSON API (the system administrator's only).

Routes, under ``/grenier/admin/v1`` on the S3 endpoint, SigV4-signed like S3 and
answered only to the server's root credentials:

* ``GET    /accounts`` → ``{"accounts": [ACCOUNT, ...]}``
* ``POST   /accounts`` with ``{"name": NAME, "email": ADDRESS?}`` → ``ACCOUNT`` plus the
  new root key, shown this once: ``"accessKey"``, ``"secretKey"``
* ``GET    /accounts/NAME`` → ``ACCOUNT`` plus ``"users"``, ``"groups"``, ``"policies"``,
  ``"rootKeys"`` (counts) and ``"buckets"`` (``[{"bucket", "size", "objects", "quota"}]``),
  ``"size"``, ``"objects"`` (totals)
* ``PUT    /accounts/NAME`` with ``{"accountStatus": "enabled"|"disabled"}`` → ``ACCOUNT``
* ``DELETE /accounts/NAME`` → ``ACCOUNT`` (refused with ``DeleteConflict``, 409, while
  the account owns buckets; its users, groups, policies and keys go with it)

``ACCOUNT`` is ``{"account", "accountId", "canonicalId", "email", "accountStatus",
"created"}``; NAME may also be the 12-digit account id. Errors are ``{"Code",
"Message"}`` with the HTTP status of the code.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from grenier.adminapi.admin_routes import PREFIX, _error, _json
from grenier.adminapi.signed import read_signed
from grenier.engine import Bucket, Engine
from grenier.iam.accounts import Account
from grenier.iam.errors import IamError
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error
from grenier.s3.tenancy import owner_of

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

ROUTE = PREFIX + "accounts"
MAX_BODY = 16 * 1024
_STATUS = {
    "NoSuchEntity": 404,
    "EntityAlreadyExists": 409,
    "DeleteConflict": 409,
    "ValidationError": 400,
    "LimitExceeded": 409,
}


def account_doc(account: Account) -> dict[str, Any]:
    return {
        "account": account.name,
        "accountId": account.account_id,
        "canonicalId": account.canonical_id,
        "email": account.email or "",
        "accountStatus": account.status,
        "created": account.created,
    }


def buckets_of(engine: Engine, canonical_id: str) -> list[Bucket]:
    return [b for b in engine.list_buckets() if owner_of(b) == canonical_id]


def usage_doc(buckets: list[Bucket]) -> dict[str, Any]:
    rows = [
        {"bucket": b.name, "size": b.size, "objects": b.objects, "quota": b.quota} for b in buckets
    ]
    return {
        "buckets": rows,
        "size": sum(r["size"] for r in rows),
        "objects": sum(r["objects"] for r in rows),
    }


def _body(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise S3Error("InvalidArgument", message="the body is not JSON") from None
    if not isinstance(data, dict):
        raise S3Error("InvalidArgument", message="the body must be a JSON object")
    return data


class AccountsRoute:
    def __init__(self, service: S3Service, store: IamStore) -> None:
        self.service = service
        self.store = store

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        path = request.path
        if path != ROUTE and not path.startswith(ROUTE + "/"):
            return None
        try:
            body, ctx = await read_signed(request, self.service, MAX_BODY)
            if ctx.access_key != self.service.settings.root_access_key:
                raise S3Error("AccessDenied", message="Accounts are managed by the server's root.")
            return self._route(request.method, path[len(ROUTE) :].strip("/"), body)
        except S3Error as err:
            return _error(err)
        except IamError as exc:
            return _json(_STATUS.get(exc.code, 400), {"Code": exc.code, "Message": exc.message})

    def _route(self, method: str, name: str, body: bytes) -> web.Response:
        if not name:
            if method == "GET":
                return _json(
                    200, {"accounts": [account_doc(a) for a in self.store.list_accounts()]}
                )
            if method == "POST":
                return self._create(_body(body))
            raise S3Error("MethodNotAllowed")
        if method == "GET":
            return _json(200, self.info(self.store.get_account(name)))
        if method == "PUT":
            return self._set_status(name, _body(body))
        if method == "DELETE":
            return self._remove(name)
        raise S3Error("MethodNotAllowed")

    def _create(self, data: dict[str, Any]) -> web.Response:
        name, email = data.get("name"), data.get("email") or None
        if not isinstance(name, str) or (email is not None and not isinstance(email, str)):
            raise S3Error("InvalidArgument", message='expected {"name": NAME, "email": ADDRESS}')
        account, key = self.store.create_account(name, email)
        doc = account_doc(account) | {"accessKey": key.access_key, "secretKey": key.secret}
        return _json(200, doc)

    def info(self, account: Account) -> dict[str, Any]:
        doc = account_doc(account)
        doc.update(self.store.account_summary(account.account_id))
        doc.update(usage_doc(buckets_of(self.service.engine, account.canonical_id)))
        return doc

    def _set_status(self, name: str, data: dict[str, Any]) -> web.Response:
        status = data.get("accountStatus")
        if status not in ("enabled", "disabled"):
            raise S3Error(
                "InvalidArgument", message='expected {"accountStatus": "enabled"|"disabled"}'
            )
        return _json(200, account_doc(self.store.set_account_status(name, status == "enabled")))

    def _remove(self, name: str) -> web.Response:
        account = self.store.get_account(name)
        owned = buckets_of(self.service.engine, account.canonical_id)
        if owned and not account.is_default:
            names = ", ".join(b.name for b in owned[:5])
            raise IamError(
                "DeleteConflict",
                f"Account {account.name} still owns {len(owned)} bucket(s) ({names}); "
                "remove them first.",
            )
        return _json(200, account_doc(self.store.delete_account(account.account_id)))


def install(service: S3Service, cfg: ServerConfig) -> None:
    service.pre_routes.append(AccountsRoute(service, IamStore.shared(cfg.data_dir)))
