"""Grenier's admin JSON API on the S3 endpoint: bucket quotas, usage and scrub.

Requests are SigV4-signed like S3 (``grenier.client.admin_api`` signs them with
botocore). Root may call every route; a user may when its policies allow the route's
MinIO admin action, an account's root the bucket routes (``grenier.adminapi.authorize``).
Callers other than the server's root see and change only their own account's buckets
(usage then lists only those). Routes, under ``/grenier/admin/v1``:

* ``GET    /quota?bucket=NAME`` → ``{"bucket", "quota", "quotatype", "size", "objects",
  "uploading"}`` (``uploading``: bytes of incomplete multipart uploads, which count
  against the quota with ``size``)
* ``PUT    /quota?bucket=NAME`` with ``{"quota": BYTES, "quotatype": "hard"}``
* ``DELETE /quota?bucket=NAME`` → the quota is cleared
* ``GET    /usage[?bucket=NAME]`` → ``{"buckets": [{"bucket", "account", "size",
  "objects", "uploading", "quota"}], "accounts": [{"account", "buckets", "size",
  "objects"}], "size", "objects"}``, read from the index (no listing)
* ``POST   /scrub[?bucket=NAME][&repair=true]`` (the server's root only) →
  ``{"versions", "parts", "bytes", "repaired", "damaged": [{"bucket", "key", "versionId",
  "problem", "detail", "goodCopy", "repaired"}]}``: every stored object re-hashed against
  its recorded checksum (``grenier.engine.scrub``)

The server adds its own routes (``info``, ``trace``) with :meth:`AdminRoute.add`; they
go through the same authentication and authorization.

Errors are ``{"Code", "Message"}`` with the S3 status of the code.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from grenier.adminapi.authorize import authorize_admin
from grenier.adminapi.signed import read_signed
from grenier.engine import Bucket, EngineError, ScrubReport
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error, from_engine
from grenier.s3.tenancy import owner_of

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

PREFIX = "/grenier/admin/v1/"
MAX_BODY = 64 * 1024
# (method, route) -> the MinIO admin action a non-root caller needs.
ACTIONS = {
    ("GET", "quota"): "admin:GetBucketQuota",
    ("PUT", "quota"): "admin:SetBucketQuota",
    ("DELETE", "quota"): "admin:SetBucketQuota",
    ("GET", "usage"): "admin:DataUsageInfo",
}
# An extra route: (request, its verified body) -> response.
AdminHandler = Callable[[web.Request, bytes], Awaitable[web.StreamResponse]]


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
        "uploading": bucket.uploading,
    }


def _scrub_doc(report: ScrubReport) -> dict[str, Any]:
    return {
        "versions": report.versions,
        "parts": report.parts,
        "bytes": report.bytes,
        "repaired": report.repaired,
        "damaged": [
            {
                "bucket": d.bucket,
                "key": d.key,
                "versionId": d.version_id,
                "problem": d.problem,
                "detail": d.detail,
                "goodCopy": d.good_copy,
                "repaired": d.repaired,
            }
            for d in report.damaged
        ],
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
    def __init__(self, service: S3Service, store: IamStore | None = None) -> None:
        self.service = service
        self.store = store
        self.extra: dict[tuple[str, str], tuple[str, AdminHandler]] = {}

    def add(self, method: str, name: str, action: str, handler: AdminHandler) -> None:
        self.extra[(method, name)] = (action, handler)

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        if not request.path.startswith(PREFIX):
            return None
        name = request.path[len(PREFIX) :]
        request["s3_api"] = f"admin:{name}"
        try:
            body, access_key = await self._authenticate(request)
            if name == "scrub" and access_key != self.service.settings.root_access_key:
                raise S3Error("AccessDenied", message="Only root may scrub the store.")
            extra = self.extra.get((request.method, name))
            action = extra[0] if extra else ACTIONS.get((request.method, name), "admin:*")
            # The buckets the caller may administer: None for all, else its account's.
            request["grenier_admin_scope"] = authorize_admin(
                self.service, self.store, access_key, action
            )
            if extra is not None:
                return await extra[1](request, body)
            return await self._route(request, body)
        except S3Error as err:
            request["s3_error"] = err.code
            return _error(err)
        except EngineError as exc:
            refusal = from_engine(exc)
            request["s3_error"] = refusal.code
            return _error(refusal)

    async def _authenticate(self, request: web.Request) -> tuple[bytes, str | None]:
        body, ctx = await read_signed(request, self.service, MAX_BODY)
        request["s3_access_key"] = ctx.access_key
        return body, ctx.access_key

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
        if name == "scrub" and request.method == "POST":
            repair = query.get("repair", "").lower() in ("1", "true")
            report = await engine.scrub(query.get("bucket") or None, repair=repair)
            return _json(200, _scrub_doc(report))
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

        updated = await engine.update_bucket(bucket, update)
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
                "uploading": b.uploading,
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


def install(service: S3Service, cfg: Any) -> AdminRoute:
    route = AdminRoute(service, IamStore.shared(cfg.data_dir))
    service.pre_routes.append(route)
    return route
