"""SigV4 over raw bytes, for requests no SDK will send (undecodable header bytes,
hand-framed aws-chunked bodies). Header values are canonicalised the way the server
reads them (UTF-8 with surrogateescape), so bytes that are not UTF-8 still sign.

Checked against botocore by tests/fault/test_fuzz.py before any fuzzing starts.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
Headers = list[tuple[bytes, bytes]]


def _trim(value: bytes) -> bytes:
    text = value.decode("utf-8", "surrogateescape")
    return " ".join(text.split()).encode("utf-8", "surrogateescape")


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sha256")


@dataclass(frozen=True)
class Signer:
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def key(self, day: str, service: str = "s3") -> bytes:
        key = _hmac(("AWS4" + self.secret_key).encode(), day.encode())
        for part in (self.region, service, "aws4_request"):
            key = _hmac(key, part.encode())
        return key

    def sign(
        self,
        method: str,
        path: str,
        query: str,
        headers: Headers,
        payload_hash: str,
        *,
        signed: list[bytes] | None = None,
        amz_date: str | None = None,
    ) -> tuple[Headers, str]:
        """``headers`` plus x-amz-date, x-amz-content-sha256 and Authorization; and the
        seed signature (for chunk signatures). ``path`` and ``query`` are sent as given
        and must already be in SigV4 canonical form. ``signed`` limits the signed
        headers (default: all)."""
        amz_date = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = [*headers, (b"x-amz-date", amz_date.encode())]
        out.append((b"x-amz-content-sha256", payload_hash.encode()))
        names = sorted({n.lower() for n, _ in out} if signed is None else set(signed))
        names = sorted({*names, b"host", b"x-amz-date", b"x-amz-content-sha256"})
        lines = b""
        for name in names:
            values = [_trim(v) for n, v in out if n.lower() == name]
            lines += name + b":" + b",".join(values) + b"\n"
        canonical = b"\n".join(
            (
                method.encode(),
                path.encode(),
                query.encode(),
                lines,
                b";".join(names),
                payload_hash.encode(),
            )
        )
        scope = f"{amz_date[:8]}/{self.region}/s3/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}"
        signature = _hmac(self.key(amz_date[:8]), to_sign.encode()).hex()
        authorization = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={b';'.join(names).decode()}, Signature={signature}"
        )
        out.append((b"authorization", authorization.encode()))
        return out, signature

    def chunk_signature(self, amz_date: str, previous: str, data: bytes, kind: str = "PAYLOAD") -> str:  # fmt: skip
        """The signature of one aws-chunked chunk (``kind`` PAYLOAD), or of the trailer
        (``kind`` TRAILER, ``data`` the canonical trailer lines)."""
        scope = f"{amz_date[:8]}/{self.region}/s3/aws4_request"
        digest = hashlib.sha256(data).hexdigest()
        hashes = f"{EMPTY_SHA256}\n{digest}" if kind == "PAYLOAD" else digest
        text = f"AWS4-HMAC-SHA256-{kind}\n{amz_date}\n{scope}\n{previous}\n{hashes}"
        return _hmac(self.key(amz_date[:8]), text.encode()).hex()
