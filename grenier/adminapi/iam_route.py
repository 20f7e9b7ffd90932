"""The IAM Query API on the S3 endpoint, as a pre-routing hook.

A request is IAM's when it is a SigV4-signed ``POST /`` whose credential scope names the
``iam`` service (what boto3's ``iam`` client and ``aws iam --endpoint-url`` send). Its
small form body is read first, because botocore's IAM signer sends no
``x-amz-content-sha256`` and signs the body's hash; then the signature is verified with
the same key look-up as S3, and :func:`grenier.adminapi.iam_query.handle_iam` answers.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web

from grenier.iam.evaluate import Principal
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error

from . import iam_xml
from .iam_query import handle_iam
from .signed import read_signed

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

MAX_BODY = 256 * 1024  # the largest IAM request: a 6 KB policy, URL-encoded, with room
_SCOPE = "/iam/aws4_request"
# S3 authentication codes -> IAM's (what botocore's iam client expects).
_CODES = {"InvalidAccessKeyId": "InvalidClientTokenId", "AccessDenied": "AccessDenied"}


def is_iam_request(request: web.Request) -> bool:
    if request.method != "POST" or request.path != "/":
        return False
    return _SCOPE in request.headers.get("authorization", "")


class IamRoute:
    def __init__(self, service: S3Service, store: IamStore) -> None:
        self.service = service
        self.store = store
        self.reserved = frozenset({service.settings.root_access_key})

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        if not is_iam_request(request):
            return None
        request["s3_api"] = "iam"
        try:
            params, caller = await self._authenticate(request)
        except S3Error as err:
            request["s3_error"] = err.code
            code = _CODES.get(err.code, err.code)
            body = iam_xml.error(code, err.text, request_id)
            return _xml(err.http_status, body)
        store = self.store.for_account(caller.account_id)
        status, body = await asyncio.to_thread(
            handle_iam, params, store, caller, request_id, reserved_keys=self.reserved
        )
        return _xml(status, body)

    async def _authenticate(self, request: web.Request) -> tuple[dict[str, str], Principal]:
        service = self.service
        body, ctx = await read_signed(request, service, MAX_BODY, signing_service="iam")
        request["s3_access_key"] = ctx.access_key
        if service.principal_for is None:
            raise S3Error("AccessDenied")
        caller = service.principal_for(ctx.access_key)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise S3Error("InvalidArgument", message="The form body is not UTF-8.") from None
        raw_query = request.raw_path.partition("?")[2]
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update(parse_qsl(text, keep_blank_values=True))
        request["s3_api"] = f"iam:{params.get('Action', '')}"
        return params, caller


def _xml(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, content_type="text/xml")


def install(service: S3Service, cfg: ServerConfig) -> None:
    service.pre_routes.append(IamRoute(service, IamStore.shared(cfg.data_dir)))
