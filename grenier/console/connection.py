"""A logged-in user's clients of this server: everything the console does is one of these
S3 or IAM requests, signed with the user's own keys, so the server's one authorization
path decides what the user may do (the console holds no rights of its own).

* botocore S3 client (``grenier.client.session.make_client``) for the API calls whose
  answers are XML documents (listings, tagging, versions, bucket configuration);
* ``grenier.client.admin_iam.IamAdmin`` (boto3's ``iam``) and ``grenier.client.admin_api``
  (Grenier's signed admin JSON API) for administration and monitoring;
* ``grenier.client.aio.Client`` (aiohttp + the client's SigV4 signer) for the streamed
  bodies: downloads and upload parts pass through without being buffered whole.

botocore is blocking: its calls run on a small thread pool (:meth:`UserConnection.call`).
Failures become :class:`grenier.client.errors.ClientError` (one line and an S3 code).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp

from grenier.client.aio import Client as AioClient
from grenier.client.aio import with_retries
from grenier.client.config import Alias
from grenier.client.errors import ClientError, errors

T = TypeVar("T")
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="grenier-console")
DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


class UserConnection:
    def __init__(self, s3_url: str, region: str, access_key: str, secret_key: str) -> None:
        self.alias = Alias(
            name="console", url=s3_url, access_key=access_key, secret_key=secret_key, region=region
        )
        self._s3: Any = None
        self._iam: Any = None
        self._admin: Any = None
        self._aio: AioClient | None = None
        self._presigners: dict[str, Any] = {}

    async def call(self, what: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` on the console's threads; failures as ClientError."""

        def run() -> T:
            with errors(what):
                return func(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(_POOL, run)

    async def s3(self, what: str, operation: str, **params: Any) -> Any:
        """One S3 API call by botocore's operation name (``list_objects_v2``...)."""

        def run() -> Any:
            return getattr(self.s3_client, operation)(**params)

        return await self.call(what, run)

    @property
    def s3_client(self) -> Any:
        if self._s3 is None:
            from grenier.client.session import make_client

            self._s3 = make_client(self.alias, workers=4)
        return self._s3

    @property
    def iam(self) -> Any:
        """The IAM Query API (``grenier.client.admin_iam.IamAdmin``); use through call()."""
        if self._iam is None:
            from grenier.client.admin_iam import IamAdmin

            self._iam = IamAdmin(self.alias)
        return self._iam

    @property
    def admin(self) -> Any:
        """Grenier's admin JSON API (quotas, usage; root only); use through call()."""
        if self._admin is None:
            from grenier.client.admin_api import AdminApi

            self._admin = AdminApi(self.alias)
        return self._admin

    def stream(self) -> AioClient:
        """The aiohttp client for streamed bodies (on the server's loop)."""
        if self._aio is None:
            self._aio = AioClient(self.alias, workers=8)
        return self._aio

    async def send(
        self, method: str, bucket: str, key: str, what: str, **kw: Any
    ) -> aiohttp.ClientResponse:
        """One streamed request (retried like the CLI's on 5xx and network errors): a 2xx
        response to read and release, or ClientError."""
        client = self.stream()
        return await with_retries(lambda: client.send(method, bucket, key, what, **kw))

    def presigner(self, public_url: str) -> Any:
        """A botocore client whose presigned URLs name ``public_url`` (signing is local)."""
        found = self._presigners.get(public_url)
        if found is None:
            from grenier.client.session import make_client

            alias = Alias(
                name="share",
                url=public_url,
                access_key=self.alias.access_key,
                secret_key=self.alias.secret_key,
                region=self.alias.region,
            )
            found = self._presigners[public_url] = make_client(alias, workers=1)
        return found

    async def close(self) -> None:
        if self._aio is not None:
            await self._aio.close()
            self._aio = None
        for client in (self._s3, self._iam and self._iam.iam, *self._presigners.values()):
            if client is not None:
                await asyncio.get_running_loop().run_in_executor(
                    _POOL, functools.partial(_close_botocore, client)
                )
        self._s3 = self._iam = self._admin = None
        self._presigners.clear()


def _close_botocore(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


def is_denied(exc: ClientError) -> bool:
    return exc.code in DENIED
