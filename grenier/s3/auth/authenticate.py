"""Entry point: find how a request is signed, verify it, choose the payload mode."""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime

from grenier.s3.auth.context import (
    EMPTY_SHA256,
    PAYLOAD_MODES,
    STREAMING_ECDSA,
    AuthContext,
    RequestView,
    header,
)
from grenier.s3.auth.sigv2 import authenticate_v2_header, authenticate_v2_query
from grenier.s3.auth.sigv4 import (
    SecretFor,
    Settings,
    authenticate_header,
    authenticate_query,
    query_params,
)
from grenier.s3.errors import S3Error

_HEX = frozenset(string.hexdigits)


def authenticate(
    req: RequestView,
    secret_for: SecretFor,
    *,
    region: str,
    service: str = "s3",
    now: datetime | None = None,
    body: bytes | None = None,
) -> AuthContext:
    """Verify the request's signature; return who made it and how to read its body.

    ``service`` is what this endpoint answers for (``s3``; ``iam`` for the IAM Query
    API): a SigV4 credential scope naming another service is refused, and so is any
    ``x-amz-*`` header the signature does not cover. ``secret_for(access_key)`` returns the secret, or None for an unknown or
    inactive key. ``body`` is only needed for SigV4 requests that carry no
    ``x-amz-content-sha256`` header (botocore's IAM/STS signer signs the body's
    hash): the admin API reads its small bodies first and passes them here.
    Raises :class:`S3Error` with the code AWS would answer.
    """
    settings = Settings(region, now or datetime.now(UTC), secret_for, service)
    auth = header(req.headers, "authorization") or ""
    params = query_params(req) if _may_be_presigned(req.raw_query) else {}
    v4_query = "X-Amz-Algorithm" in params or "X-Amz-Credential" in params
    v2_query = "AWSAccessKeyId" in params or ("Signature" in params and not v4_query)
    if auth and (v4_query or v2_query):
        raise S3Error(
            "InvalidArgument",
            message="Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
            extra={"ArgumentName": "Authorization", "ArgumentValue": auth},
        )
    if auth.startswith("AWS4-HMAC-SHA256 "):
        declared = header(req.headers, "x-amz-content-sha256")
        signed_hash = declared or hashlib.sha256(body or b"").hexdigest()
        ctx = authenticate_header(req, auth, settings, signed_hash)
    elif auth.startswith("AWS "):
        ctx = authenticate_v2_header(req, auth, settings)
    elif auth:
        raise S3Error(
            "InvalidArgument",
            message="Unsupported Authorization Type",
            extra={"ArgumentName": "Authorization", "ArgumentValue": auth.split(" ", 1)[0]},
        )
    elif v4_query:
        ctx = authenticate_query(req, params, settings)
    elif v2_query:
        ctx = authenticate_v2_query(req, params, settings)
    else:
        ctx = AuthContext(access_key=None, scheme="anonymous", payload="none")
    _set_payload(ctx, req, body)
    return ctx


def _may_be_presigned(raw_query: str) -> bool:
    return "X-Amz-" in raw_query or "Signature" in raw_query or "AWSAccessKeyId" in raw_query


def _set_payload(ctx: AuthContext, req: RequestView, body: bytes | None) -> None:
    """Pick the payload mode from x-amz-content-sha256 (and Content-Encoding)."""
    value = header(req.headers, "x-amz-content-sha256")
    if ctx.scheme == "sigv4-presigned" and value is None:
        value = ctx.content_sha256  # X-Amz-Content-Sha256 in the query, or UNSIGNED-PAYLOAD
    ctx.content_sha256 = None
    if value is None:
        ctx.payload = _implicit_mode(ctx, req, body)
        return
    if value in PAYLOAD_MODES:
        ctx.payload = PAYLOAD_MODES[value]
    elif len(value) == 64 and _HEX.issuperset(value):
        ctx.payload, ctx.content_sha256 = "signed", value.lower()
    elif value in STREAMING_ECDSA:
        raise S3Error("NotImplemented", message="SigV4a (ECDSA) streaming is not supported.")
    else:
        raise S3Error(
            "InvalidArgument",
            message="x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
            extra={"ArgumentName": "x-amz-content-sha256", "ArgumentValue": value},
        )
    signed_stream = ctx.payload in ("streaming-signed", "streaming-signed-trailer")
    if signed_stream and ctx.scheme != "sigv4":
        raise S3Error("InvalidRequest", message=f"{value} requires a SigV4 Authorization header.")


def _implicit_mode(ctx: AuthContext, req: RequestView, body: bytes | None) -> str:
    encoding = (header(req.headers, "content-encoding") or "").lower()
    if "aws-chunked" in encoding:
        return "streaming-unsigned-trailer"
    if ctx.scheme == "sigv4":  # the signature covered sha256(body) (or of an empty body)
        ctx.content_sha256 = hashlib.sha256(body).hexdigest() if body is not None else EMPTY_SHA256
        return "signed"
    return "none"
