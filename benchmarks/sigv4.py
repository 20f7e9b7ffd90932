"""A cheap AWS SigV4 signer for the load generator, checked against botocore.

Every request is signed with ``x-amz-content-sha256: UNSIGNED-PAYLOAD`` so the body is
never hashed, and the derived signing key is cached per day: a signature costs two HMACs
and one SHA-256 of a short canonical request. ``self_check()`` signs a few requests with
both this signer and botocore's ``S3SigV4Auth`` at the same instant and compares them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

UNSIGNED = "UNSIGNED-PAYLOAD"
_SAFE = "-_.~"


def uri_encode(value: str, keep_slash: bool) -> str:
    return quote(value, safe=_SAFE + ("/" if keep_slash else ""))


def canonical_query(query: dict[str, str] | None) -> str:
    if not query:
        return ""
    pairs = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


class Signer:
    """Signs path-style S3 requests for one access key (header auth)."""

    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1") -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self._day = ""
        self._key = b""
        self._second = -1
        self._amz_date = ""

    def _signing_key(self, day: str) -> bytes:
        if day != self._day:
            k = ("AWS4" + self.secret_key).encode()
            for part in (day, self.region, "s3", "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self._day, self._key = day, k
        return self._key

    def _now(self) -> str:
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
        query: dict[str, str] | None = None,
        amz_date: str | None = None,
    ) -> dict[str, str]:
        """Headers to add to the request; ``path`` is already URI-encoded."""
        amz_date = amz_date or self._now()
        day = amz_date[:8]
        canonical = "\n".join(
            (
                method,
                path,
                canonical_query(query),
                f"host:{host}\nx-amz-content-sha256:{UNSIGNED}\nx-amz-date:{amz_date}\n",
                "host;x-amz-content-sha256;x-amz-date",
                UNSIGNED,
            )
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "x-amz-date": amz_date,
            "x-amz-content-sha256": UNSIGNED,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
            ),
        }


def _botocore_authorization(
    signer: Signer, method: str, host: str, path: str, query: dict[str, str], amz_date: str
) -> str:
    import datetime
    from unittest import mock

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials

    url = f"http://{host}{path}"
    if query:
        url += "?" + canonical_query(query)
    request = AWSRequest(method=method, url=url)
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    auth = S3SigV4Auth(Credentials(signer.access_key, signer.secret_key), "s3", signer.region)
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
    return str(request.headers["Authorization"])


def self_check() -> None:
    """Raise AssertionError unless this signer agrees with botocore on sample requests."""
    signer = Signer("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1")
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("PUT", "/bucket/dir/key%20with%20space", {}),
        ("GET", "/bucket", {"list-type": "2", "prefix": "a/b", "delimiter": "/"}),
        ("POST", "/bucket/big", {"uploads": ""}),
        ("PUT", "/bucket/big", {"partNumber": "3", "uploadId": "abc+/="}),
        ("DELETE", "/bucket/k~1", {}),
    ]
    amz_date = "20250102T030405Z"
    for method, path, query in cases:
        ours = signer.sign(method, "127.0.0.1:9000", path, query, amz_date)["Authorization"]
        theirs = _botocore_authorization(signer, method, "127.0.0.1:9000", path, query, amz_date)
        assert ours == theirs, f"SigV4 mismatch for {method} {path}: {ours} != {theirs}"


if __name__ == "__main__":
    self_check()
    print("sigv4 self-check: ok")
