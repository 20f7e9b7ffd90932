"""Reading a small, SigV4-signed admin request body (IAM Query API, admin JSON API).

The body of an admin request *is* the operation (``Action=CreateUser``, a quota), so
the signature must cover it: only SigV4 in the Authorization header is accepted, with
the body's SHA-256 as the payload hash. ``UNSIGNED-PAYLOAD``, the streaming modes,
presigned URLs and SigV2 (which signs no body) are refused. botocore's IAM signer sends
no ``x-amz-content-sha256`` and signs the body's hash instead, so the body is read
first (bounded) and handed to authentication; a declared hash must match the body.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from aiohttp import web

from grenier.s3.auth import AuthContext, RequestView, authenticate
from grenier.s3.errors import S3Error

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

UNSIGNED_BODY = (
    "Admin and IAM requests must be signed with SigV4 in the Authorization header, "
    "with the SHA-256 of the body as x-amz-content-sha256 (or none): unsigned and "
    "streaming payloads are refused."
)


async def read_body(request: web.Request, max_body: int) -> bytes:
    """The whole body, or MaxMessageLengthExceeded past ``max_body`` bytes."""
    pieces: list[bytes] = []
    size = 0
    async for piece in request.content.iter_any():
        size += len(piece)
        if size > max_body:
            raise S3Error("MaxMessageLengthExceeded")
        pieces.append(piece)
    return b"".join(pieces)


async def read_signed(
    request: web.Request, service: S3Service, max_body: int, *, signing_service: str = "s3"
) -> tuple[bytes, AuthContext]:
    """Read the body and authenticate the request; the signature covers both.

    ``signing_service`` is the service the credential scope must name (``iam`` for
    the IAM Query API, ``s3`` for Grenier's admin JSON API).
    """
    body = await read_body(request, max_body)
    raw_path, _, raw_query = request.raw_path.partition("?")
    view = RequestView(request.method, raw_path, raw_query, request.headers)
    ctx = authenticate(
        view,
        service.secret_for,
        region=service.settings.region,
        service=signing_service,
        body=body,
    )
    if ctx.anonymous:
        raise S3Error("AccessDenied")
    if ctx.scheme != "sigv4" or ctx.payload != "signed" or not ctx.content_sha256:
        raise S3Error("AccessDenied", message=UNSIGNED_BODY)
    actual = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(actual, ctx.content_sha256):
        raise S3Error(
            "XAmzContentSHA256Mismatch",
            extra={
                "ClientComputedContentSHA256": ctx.content_sha256,
                "S3ComputedContentSHA256": actual,
            },
        )
    return body, ctx
