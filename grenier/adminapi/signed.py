"""Reading a small, SigV4-signed admin request body (IAM Query API, admin JSON API).

botocore's IAM signer sends no ``x-amz-content-sha256`` and signs the body's hash
instead, so the body is read first (bounded) and handed to authentication, then its
hash is checked against the declared one when there is one.
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


async def read_signed(
    request: web.Request, service: S3Service, max_body: int
) -> tuple[bytes, AuthContext]:
    body = await request.content.read(max_body + 1)
    if len(body) > max_body:
        raise S3Error("MaxMessageLengthExceeded")
    raw_path, _, raw_query = request.raw_path.partition("?")
    view = RequestView(request.method, raw_path, raw_query, request.headers)
    ctx = authenticate(view, service.secret_for, region=service.settings.region, body=body)
    declared = ctx.content_sha256
    if declared and not hmac.compare_digest(hashlib.sha256(body).hexdigest(), declared):
        raise S3Error("XAmzContentSHA256Mismatch")
    return body, ctx
