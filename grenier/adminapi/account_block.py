"""Account-level Block Public Access: the S3 Control API's Get/Put/DeletePublicAccessBlock.

``/v20180820/configuration/publicAccessBlock`` with the ``x-amz-account-id`` header (what
boto3's ``s3control`` client sends), SigV4-signed for ``s3``. The settings apply to every
bucket the account owns, on top of each bucket's own (the most restrictive wins). An
account's root may read and change its account's settings, a user of the account when
its policies allow ``s3:GetAccountPublicAccessBlock`` / ``s3:PutAccountPublicAccessBlock``,
and the server's root any account's. Any other account id, or an unknown one, is
``AccessDenied``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from grenier.adminapi.signed import read_signed
from grenier.iam.evaluate import AccessRequest, is_allowed
from grenier.iam.public_access import PublicAccessBlock
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error
from grenier.s3.handlers.public_access import block_doc, parse_block
from grenier.s3.responses import empty, error_response, xml_response

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

PATH = "/v20180820/configuration/publicAccessBlock"
NAMESPACE = "http://awss3control.amazonaws.com/doc/2018-08-20/"
MAX_BODY = 16 * 1024
_ACTIONS = {
    "GET": "s3:GetAccountPublicAccessBlock",
    "PUT": "s3:PutAccountPublicAccessBlock",
    "DELETE": "s3:PutAccountPublicAccessBlock",
}


class AccountBlockRoute:
    def __init__(self, service: S3Service, store: IamStore) -> None:
        self.service = service
        self.store = store

    async def __call__(self, request: web.Request, request_id: str) -> web.StreamResponse | None:
        if request.path != PATH or "x-amz-account-id" not in request.headers:
            return None
        try:
            return await self._handle(request)
        except S3Error as err:
            return error_response(err, request.method, request.path, request_id)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        action = _ACTIONS.get(request.method)
        if action is None:
            raise S3Error("MethodNotAllowed")
        body, ctx = await read_signed(request, self.service, MAX_BODY)
        account_id = request.headers["x-amz-account-id"].strip()
        self._authorize(ctx.access_key, account_id, action)
        if request.method == "GET":
            stored = self.store.public_access_block(account_id)
            if stored is None:
                raise S3Error("NoSuchPublicAccessBlockConfiguration")
            return xml_response(block_doc(PublicAccessBlock.from_dict(stored), NAMESPACE))
        if request.method == "PUT":
            block = parse_block(body)
            self.store.set_public_access_block(account_id, block.to_dict())
            return empty(200)
        self.store.set_public_access_block(account_id, None)
        return empty(200)

    def _authorize(self, access_key: str | None, account_id: str, action: str) -> None:
        if access_key is None or self.service.principal_for is None:
            raise S3Error("AccessDenied")
        principal = self.service.principal_for(access_key)
        if principal.kind == "root":
            if self.store.account_by_id(account_id) is None:
                raise S3Error("AccessDenied")
            return
        if principal.account_id != account_id:
            raise S3Error("AccessDenied")
        request = AccessRequest(principal, action, None, None, resource="*")
        if not is_allowed(request, self.store.policies_of(principal), None):
            raise S3Error("AccessDenied")


def install(service: S3Service, cfg: ServerConfig) -> None:
    service.pre_routes.append(AccountBlockRoute(service, IamStore.shared(cfg.data_dir)))
