"""Grenier's admin JSON API on the S3 endpoint: bucket quotas and usage.

Requests are SigV4-signed like S3 (``grenier.client.admin_api`` signs them with
botocore). The server's root may call them on every bucket, an account's root on its
account's buckets (usage then lists only those). Routes, under ``/grenier/admin/v1``:

* ``GET    /quota?bucket=NAME`` → ``{"bucket", "quota", "quotatype", "size", "objects"}``
* ``PUT    /quota?bucket=NAME`` with ``{"quota": BYTES, "quotatype": "hard"}``
* ``DELETE /quota?bucket=NAME`` → the quota is cleared
* ``GET    /usage[?bucket=NAME]`` → ``{"buckets": [{"bucket", "account", "size",
  "objects", "quota"}], "accounts": [{"account", "buckets", "size", "objects"}], "size",
  "objects"}``, read from the index (no listing)

Errors are ``{"Code", "Message"}`` with the S3 status of the code.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from grenier.adminapi.signed import read_signed
from grenier.engine import Bucket, EngineError
from grenier.s3.commit import commit
from grenier.s3.errors import S3Error, from_engine
from grenier.s3.tenancy import owner_of

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

PREFIX = "/grenier/admin/v1/"
MAX_BODY = 64 * 1024


def _json(status: int, data: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(data), content_type="application/json")


def _error(err: S3Error) -> web.Response:
    return _json(err.http_status, {"Code": err.code, "Message": err.text})


def _quota_doc(bucket: Bucket) -> dict[str, Any]:
    return {
        "bucket": bucket.name,
        "quota": bucket.quota,
        "quotatype": "hard" if bucket.quota is not None else "",
        "size": bucket.size,
        "objects": bucket.objects,
    }


def _parse_quota(body: bytes) -> int:
    try:
        data = json.loads(body or b"{}")
        quota = int(data["quota"])
    except (ValueError, KeyError, TypeError) as exc:
        raise S3Error("InvalidArgument", message='expected {"quota": BYTES}') from exc
    if quota < 0 or data.get("quotatype", "hard") != "hard":
        raise S3Error("InvalidArgument", message="the quota must be a hard quota of >= 0 bytes")
    return quota


class AdminRoute:
    def __init__(self, service: S3Service) -> None:
        self.service = service

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        if not request.path.startswith(PREFIX):
            return None
        try:
            body = await self._authenticate(request)
            return await self._route(request, body)
        except S3Error as err:
            return _error(err)
        except EngineError as exc:
            return _error(from_engine(exc))

    async def _authenticate(self, request: web.Request) -> bytes:
        body, ctx = await read_signed(request, self.service, MAX_BODY)
        if ctx.access_key == self.service.settings.root_access_key:
            request["grenier_admin_scope"] = None  # every bucket
            return body
        principal = self.service.principal_for(ctx.access_key) if self.service.principal_for else None  # fmt: skip
        if principal is None or principal.kind != "account":
            raise S3Error("AccessDenied")
        request["grenier_admin_scope"] = principal.canonical_id
        return body

    def _bucket(self, request: web.Request, name: str) -> Bucket:
        """A bucket the caller may administer (another account's: AccessDenied)."""
        bucket = self.service.engine.get_bucket(name)
        scope = request.get("grenier_admin_scope")
        if scope is not None and owner_of(bucket) != scope:
            raise S3Error("AccessDenied")
        return bucket

    async def _route(self, request: web.Request, body: bytes) -> web.Response:
        name = request.path[len(PREFIX) :]
        query = dict(parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True))
        engine = self.service.engine
        if name == "usage" and request.method == "GET":
            return _json(200, self._usage(request, query.get("bucket")))
        if name != "quota":
            raise S3Error("NotImplemented", message=f"no admin route {request.method} {name}")
        bucket = query.get("bucket", "")
        if not bucket:
            raise S3Error("InvalidArgument", message="missing bucket parameter")
        if request.method == "GET":
            return _json(200, _quota_doc(self._bucket(request, bucket)))
        if request.method == "PUT":
            quota: int | None = _parse_quota(body)
        elif request.method == "DELETE":
            quota = None
        else:
            raise S3Error("MethodNotAllowed")

        self._bucket(request, bucket)

        def update(b: Bucket) -> None:
            b.quota = quota

        updated = await commit(engine, engine.txn_set_bucket(bucket, update))
        return _json(200, _quota_doc(updated))

    def _usage(self, request: web.Request, only: str | None) -> dict[str, Any]:
        engine = self.service.engine
        scope = request.get("grenier_admin_scope")
        if only:
            buckets = [self._bucket(request, only)]
        else:
            buckets = [b for b in engine.list_buckets() if scope in (None, owner_of(b))]
        tenancy = self.service.tenancy
        rows = [
            {
                "bucket": b.name,
                "account": tenancy.display_name(owner_of(b)),
                "size": b.size,
                "objects": b.objects,
                "quota": b.quota,
            }
            for b in buckets
        ]
        accounts: dict[str, dict[str, Any]] = {}
        for row in rows:
            name = str(row["account"])
            total = accounts.setdefault(
                name, {"account": name, "buckets": 0, "size": 0, "objects": 0}
            )
            total["buckets"] += 1
            total["size"] += row["size"]
            total["objects"] += row["objects"]
        return {
            "buckets": rows,
            "accounts": sorted(accounts.values(), key=lambda a: a["account"]),
            "size": sum(r["size"] for r in rows),
            "objects": sum(r["objects"] for r in rows),
        }


def install(service: S3Service, cfg: Any) -> None:
    service.pre_routes.append(AdminRoute(service))
