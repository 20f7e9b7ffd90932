"""A cheap AWS Signature Version 4 signer for path-style S3 requests (header auth).

The bulk transfer path signs thousands of tiny requests, where botocore's generic
machinery costs more than the transfer itself. Here the derived signing key is cached per
day, the payload hash is ``UNSIGNED-PAYLOAD`` unless the caller passes the body's SHA-256,
and a signature is two HMACs and one SHA-256 of a short canonical request. The tests
check it against botocore's ``S3SigV4Auth`` on the same instant.

Paths are percent-encoded once with :func:`encode_key` (every byte but ``A-Za-z0-9-_.~``
and ``/``), exactly as SigV4 canonicalizes S3 keys; the same string is sent on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_SAFE = "-_.~"


def encode_key(value: str) -> str:
    """Percent-encode an S3 key (or bucket/key path) as SigV4 and the wire want it."""
    return quote(value, safe=_SAFE + "/")


def encode_param(value: str) -> str:
    return quote(value, safe=_SAFE)


def canonical_query(query: Mapping[str, str] | None) -> str:
    if not query:
        return ""
    pairs = sorted((encode_param(k), encode_param(v)) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def _canonical_value(value: str) -> str:
    return " ".join(value.split())


class Signer:
    """Signs requests for one access key and region (service ``s3``)."""

    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1") -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region or "us-east-1"
        self._day = ""
        self._key = b""
        self._second = -1
        self._amz_date = ""

    def signing_key(self, day: str) -> bytes:
        if day != self._day:
            key = ("AWS4" + self.secret_key).encode()
            for part in (day, self.region, "s3", "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._day, self._key = day, key
        return self._key

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        return self._amz_date

    def sign(
        self,
        method: str,
        host: str,
        path: str,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        payload_hash: str = UNSIGNED_PAYLOAD,
        amz_date: str | None = None,
    ) -> dict[str, str]:
        """Every header to send (``headers`` plus host, date, payload hash, Authorization).

        ``path`` is already encoded (:func:`encode_key`); every given header is signed.
        """
        amz_date = amz_date or self.now()
        day = amz_date[:8]
        out = dict(headers or {})
        out["host"] = host
        out["x-amz-date"] = amz_date
        out["x-amz-content-sha256"] = payload_hash
        signed = sorted((k.lower(), _canonical_value(v)) for k, v in out.items())
        names = ";".join(k for k, _ in signed)
        canonical = "\n".join(
            (
                method,
                path,
                canonical_query(query),
                "".join(f"{k}:{v}\n" for k, v in signed),
                names,
                payload_hash,
            )
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest}"
        signature = hmac.new(self.signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        out["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={names}, Signature={signature}"
        )
        return out
