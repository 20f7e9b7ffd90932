"""AWS Signature Version 4: the Authorization header and presigned query strings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from grenier.s3.auth import canonical as c
from grenier.s3.auth.clock import (
    check_skew,
    check_window,
    iso_basic,
    parse_amz_date,
    parse_http_date,
)
from grenier.s3.auth.context import UNSIGNED_PAYLOAD, AuthContext, RequestView, header
from grenier.s3.errors import S3Error

MAX_EXPIRES = 7 * 24 * 3600
_QUERY_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)

SecretFor = Callable[[str], str | None]


@dataclass(frozen=True)
class Credential:
    access_key: str
    date: str
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(frozen=True)
class Settings:
    region: str
    now: datetime
    secret_for: SecretFor
    service: str = "s3"  # the service this endpoint answers for (s3, iam)


# Signing regions accepted besides the server's own, per service. IAM is global on AWS
# and its clients sign for us-east-1; with a custom endpoint botocore signs for the
# client's configured region, so the server's region is accepted as well.
EXTRA_REGIONS: dict[str, tuple[str, ...]] = {"iam": ("us-east-1",)}
# x-amz-* headers whose value the signature covers even when SignedHeaders omits them:
# x-amz-content-sha256 is the canonical request's payload hash, and (header auth only)
# x-amz-date is the string to sign's timestamp.
COVERED_HEADER_AUTH = frozenset({"x-amz-content-sha256", "x-amz-date"})
COVERED_QUERY_AUTH = frozenset({"x-amz-content-sha256"})
NOT_SIGNED = "There were headers present in the request which were not signed"


def parse_credential(text: str, code: str, prefix: str) -> Credential:
    parts = text.rsplit("/", 4)
    if len(parts) != 5 or not parts[0] or parts[4] != "aws4_request" or len(parts[1]) != 8:
        raise S3Error(
            code,
            message=f"{prefix} the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    return Credential(*parts[:4])


def check_scope(
    cred: Credential, amz_date: str, settings: Settings, code: str, prefix: str
) -> None:
    """Service, region and date of the credential scope must fit this endpoint: a
    signature made for another service or region is never accepted."""
    if cred.service != settings.service:
        raise S3Error(
            code,
            message=f"{prefix} incorrect service '{cred.service}'. "
            f"This endpoint belongs to '{settings.service}'.",
        )
    if cred.region != settings.region and cred.region not in EXTRA_REGIONS.get(cred.service, ()):
        raise S3Error(
            code,
            message=f"{prefix} the region '{cred.region}' is wrong; expecting '{settings.region}'",
            extra={"Region": settings.region},
        )
    if cred.date != amz_date[:8]:
        raise S3Error(
            code,
            message=f'{prefix} Invalid credential date "{cred.date}". '
            f'This date is not the same as X-Amz-Date: "{amz_date[:8]}".',
        )


def lookup_secret(settings: Settings, access_key: str) -> str:
    # Undecodable bytes (kept by surrogateescape) cannot name a key: unknown, not a crash.
    secret = settings.secret_for(access_key) if access_key.isprintable() else None
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": access_key})
    return secret


def parse_signed_headers(text: str, code: str, prefix: str) -> list[str]:
    names = text.split(";")
    if not text or any(not n or n != n.strip().lower() for n in names) or "host" not in names:
        raise S3Error(
            code, message=f"{prefix} SignedHeaders must list lower-case names, host included."
        )
    return names


def check_all_signed(req: RequestView, signed: list[str], covered: frozenset[str]) -> None:
    """Every ``x-amz-*`` header must be covered by the signature (AWS answers the same):
    an unsigned one could otherwise turn a presigned PUT into a copy, add tags, ACLs..."""
    present = {name.lower() for name in req.headers if name[:6].lower() == "x-amz-"}
    missing = present.difference(signed, covered)
    if missing:
        raise S3Error(
            "AccessDenied",
            message=NOT_SIGNED,
            extra={"HeadersNotSigned": ", ".join(sorted(missing))},
        )


def verify(
    req: RequestView,
    cred: Credential,
    signed: list[str],
    signature: str,
    amz_date: str,
    payload_hash: str,
    secret: str,
    *,
    drop: str | None = None,
) -> bytes:
    """Check ``signature`` against every canonical form the client may have signed."""
    key = c.signing_key(secret, cred.date, cred.region, cred.service)
    headers = c.canonical_headers(req.headers, signed)
    pairs = c.query_pairs(req.raw_query)
    method = req.method.upper()
    first: tuple[str, str] | None = None
    for uri in c.uri_candidates(req.raw_path, cred.service):
        for query in c.query_candidates(pairs, drop):
            canonical = c.canonical_request(method, uri, query, headers, signed, payload_hash)
            to_sign = c.string_to_sign(amz_date, cred.scope, canonical)
            if c.same(c.sign(key, to_sign), signature):
                return key
            first = first or (canonical, to_sign)
    assert first is not None
    raise S3Error(
        "SignatureDoesNotMatch",
        extra={
            "AWSAccessKeyId": cred.access_key,
            "StringToSign": first[1],
            "SignatureProvided": signature,
            "CanonicalRequest": first[0],
        },
    )


def parse_authorization(value: str) -> tuple[str, str, str]:
    """``AWS4-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`` -> the three fields."""
    _, _, rest = value.partition(" ")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, eq, val = item.strip().partition("=")
        if eq:
            fields[name] = val.strip()
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if n not in fields]
    if missing:
        raise S3Error(
            "AuthorizationHeaderMalformed",
            message=f"The authorization header is malformed; missing {', '.join(missing)}.",
        )
    return fields["Credential"], fields["SignedHeaders"], fields["Signature"]


def header_date(req: RequestView, settings: Settings) -> str:
    """The request timestamp (x-amz-date, else Date), ISO basic, skew-checked."""
    raw = header(req.headers, "x-amz-date") or header(req.headers, "date")
    moment = parse_http_date(raw) if raw else None
    if moment is None:
        raise S3Error(
            "AccessDenied", message="AWS authentication requires a valid Date or x-amz-date header"
        )
    check_skew(moment, settings.now, raw or "")
    return iso_basic(moment)


def authenticate_header(
    req: RequestView, value: str, settings: Settings, payload_hash: str
) -> AuthContext:
    code, prefix = "AuthorizationHeaderMalformed", "The authorization header is malformed;"
    cred_text, signed_text, signature = parse_authorization(value)
    cred = parse_credential(cred_text, code, prefix)
    signed = parse_signed_headers(signed_text, code, prefix)
    check_all_signed(req, signed, COVERED_HEADER_AUTH)
    amz_date = header_date(req, settings)
    check_scope(cred, amz_date, settings, code, prefix)
    secret = lookup_secret(settings, cred.access_key)
    key = verify(req, cred, signed, signature, amz_date, payload_hash, secret)
    return AuthContext(
        access_key=cred.access_key,
        scheme="sigv4",
        payload="none",
        region=cred.region,
        service=cred.service,
        signing_key=key,
        scope=cred.scope,
        amz_date=amz_date,
        seed_signature=signature,
        signed_headers=tuple(signed),
    )


def query_params(req: RequestView) -> dict[str, str]:
    return {c.decoded(n): c.decoded(v) for n, v in c.query_pairs(req.raw_query)}


def parse_expires(text: str) -> int:
    code = "AuthorizationQueryParametersError"
    if not text.lstrip("-").isdigit():
        raise S3Error(code, message="X-Amz-Expires should be a number")
    expires = int(text)
    if expires < 0:
        raise S3Error(code, message="X-Amz-Expires must be non-negative")
    if expires > MAX_EXPIRES:
        raise S3Error(
            code, message="X-Amz-Expires must be less than a week (in seconds) that is 604800"
        )
    return expires


def authenticate_query(req: RequestView, params: dict[str, str], settings: Settings) -> AuthContext:
    code, prefix = (
        "AuthorizationQueryParametersError",
        "Error parsing the X-Amz-Credential parameter;",
    )
    if any(n not in params for n in _QUERY_PARAMS):
        raise S3Error(
            code,
            message="Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
            "and X-Amz-Expires parameters.",
        )
    if params["X-Amz-Algorithm"] != c.ALGORITHM:
        raise S3Error(code, message='X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    cred = parse_credential(params["X-Amz-Credential"], code, prefix)
    signed = parse_signed_headers(params["X-Amz-SignedHeaders"], code, prefix)
    check_all_signed(req, signed, COVERED_QUERY_AUTH)
    amz_date = params["X-Amz-Date"]
    signed_at = parse_amz_date(amz_date)
    if signed_at is None:
        raise S3Error(
            code, message="X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        )
    expires = parse_expires(params["X-Amz-Expires"])
    check_scope(cred, amz_date, settings, code, prefix)
    secret = lookup_secret(settings, cred.access_key)
    payload_hash = header(req.headers, "x-amz-content-sha256") or params.get(
        "X-Amz-Content-Sha256", UNSIGNED_PAYLOAD
    )
    signature = params["X-Amz-Signature"]
    key = verify(
        req, cred, signed, signature, amz_date, payload_hash, secret, drop="X-Amz-Signature"
    )
    check_window(signed_at, expires, settings.now)
    return AuthContext(
        access_key=cred.access_key,
        scheme="sigv4-presigned",
        payload="none",
        region=cred.region,
        service=cred.service,
        signing_key=key,
        scope=cred.scope,
        amz_date=amz_date,
        seed_signature=signature,
        content_sha256=payload_hash,
        signed_headers=tuple(signed),
    )
