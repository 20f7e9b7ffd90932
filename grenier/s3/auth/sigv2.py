"""AWS Signature Version 2 (HMAC-SHA1): ``Authorization: AWS AK:sig`` and query strings.

Still produced by boto3's ``generate_presigned_url`` against some custom endpoints
and by older tools (s3cmd). The string to sign is::

    METHOD \\n Content-MD5 \\n Content-Type \\n Date-or-Expires \\n
    x-amz-* headers (sorted, "name:v1,v2\\n") + resource (path + sub-resources)
"""

from __future__ import annotations

import base64
import hmac
from datetime import UTC, datetime

from grenier.s3.auth import canonical as c
from grenier.s3.auth.clock import check_skew, parse_http_date
from grenier.s3.auth.context import AuthContext, RequestView, header
from grenier.s3.auth.sigv4 import Settings, lookup_secret
from grenier.s3.errors import S3Error

# Query parameters that are part of the signed resource (botocore's list).
SUBRESOURCES = frozenset(
    [
        "accelerate",
        "acl",
        "cors",
        "defaultObjectAcl",
        "location",
        "logging",
        "partNumber",
        "policy",
        "requestPayment",
        "torrent",
        "versioning",
        "versionId",
        "versions",
        "website",
        "uploads",
        "uploadId",
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "delete",
        "lifecycle",
        "tagging",
        "restore",
        "storageClass",
        "notification",
        "replication",
        "analytics",
        "metrics",
        "inventory",
        "select",
        "select-type",
        "object-lock",
    ]
)


def signature_v2(secret: str, text: str) -> str:
    digest = hmac.digest(secret.encode(), text.encode("utf-8", "surrogateescape"), "sha1")
    return base64.b64encode(digest).decode()


def amz_headers(req: RequestView, query: dict[str, str], *, skip: str = "") -> str:
    """The sorted ``x-amz-*`` headers (query parameters count when presigned)."""
    found: dict[str, str] = {}
    for name in {k.lower() for k in req.headers if k.lower().startswith("x-amz-")}:
        found[name] = ",".join(v.strip() for v in c.header_values(req.headers, name))
    for name, value in query.items():
        if name.lower().startswith("x-amz-"):
            found.setdefault(name.lower(), value.strip())
    return "".join(f"{k}:{found[k]}\n" for k in sorted(found) if k != skip)


def resources(req: RequestView) -> list[str]:
    """Canonical resources: path (raw, then re-encoded) plus signed sub-resources."""
    subs = []
    for name, value in c.query_pairs(req.raw_query):
        name = c.decoded(name)
        if name in SUBRESOURCES:
            subs.append((name, c.decoded(value) if value else None))
    subs.sort(key=lambda item: item[0])
    suffix = "&".join(n if v is None else f"{n}={v}" for n, v in subs)
    prefix = f"/{req.vhost_bucket}" if req.vhost_bucket else ""
    paths = list(c.uri_candidates(req.raw_path, "s3"))
    paths.reverse()  # SigV2 clients sign the path as sent
    return [prefix + p + (f"?{suffix}" if suffix else "") for p in paths]


def verify_v2(
    req: RequestView,
    secret: str,
    access_key: str,
    dates: list[tuple[str, str]],
    query: dict[str, str],
) -> None:
    """``dates``: candidate (Date line, x-amz header to leave out of the amz headers)."""
    md5 = query.get("content-md5") or header(req.headers, "content-md5") or ""
    ctype = query.get("content-type") or header(req.headers, "content-type") or ""
    signature = query.get("Signature") or ""
    head = f"{req.method.upper()}\n{md5.strip()}\n{ctype.strip()}\n"
    first = ""
    for date, skip in dates:
        custom = amz_headers(req, query, skip=skip)
        for resource in resources(req):
            text = f"{head}{date}\n{custom}{resource}"
            if c.same(signature_v2(secret, text), signature):
                return
            first = first or text
    raise S3Error(
        "SignatureDoesNotMatch",
        extra={"AWSAccessKeyId": access_key, "StringToSign": first, "SignatureProvided": signature},
    )


def header_dates(amz_date: str | None, date: str | None) -> list[tuple[str, str]]:
    """With x-amz-date, AWS's examples sign its value in the Date line (and leave it out of
    the amz headers); the spec's text signs an empty Date line: accept either."""
    if not amz_date:
        return [(date or "", "")]
    return [(amz_date, "x-amz-date"), ("", ""), (date or "", "")]


def authenticate_v2_header(req: RequestView, value: str, settings: Settings) -> AuthContext:
    access_key, sep, signature = value[4:].strip().rpartition(":")
    if not sep or not access_key or not signature:
        raise S3Error(
            "AuthorizationHeaderMalformed", message="Authorization: AWS AK:signature expected."
        )
    amz_date = header(req.headers, "x-amz-date")
    date = header(req.headers, "date")
    moment = parse_http_date(amz_date or date or "")
    if moment is None:
        raise S3Error(
            "AccessDenied", message="AWS authentication requires a valid Date or x-amz-date header"
        )
    check_skew(moment, settings.now, amz_date or date or "")
    secret = lookup_secret(settings, access_key)
    # With x-amz-date the Date line is empty (the spec); some clients still sign Date.
    verify_v2(req, secret, access_key, header_dates(amz_date, date), {"Signature": signature})
    return AuthContext(access_key=access_key, scheme="sigv2", payload="none")


def authenticate_v2_query(
    req: RequestView, params: dict[str, str], settings: Settings
) -> AuthContext:
    access_key, expires = params.get("AWSAccessKeyId", ""), params.get("Expires", "")
    if not access_key or not params.get("Signature") or not expires:
        raise S3Error(
            "AccessDenied",
            message="Query-string authentication requires the Signature, Expires and "
            "AWSAccessKeyId parameters",
        )
    if not expires.isdigit():
        raise S3Error("AccessDenied", message="Invalid date (should be seconds since epoch)")
    secret = lookup_secret(settings, access_key)
    verify_v2(req, secret, access_key, [(expires, "")], params)
    end = datetime.fromtimestamp(int(expires), UTC)
    if settings.now > end:
        raise S3Error(
            "AccessDenied",
            message="Request has expired",
            extra={"Expires": end.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
    return AuthContext(access_key=access_key, scheme="sigv2-presigned", payload="none")
