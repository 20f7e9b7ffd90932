"""Helpers for the S3 conformance tests: digests, error assertions, raw signed HTTP.

Raw requests are signed with botocore's own SigV4 implementation so that the tests
exercise the wire format (headers, bodies, status lines) without boto3 parsing in
between.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

import boto3
import pytest
from awscrt import checksums as crt_checksums
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.servers import S3Endpoint

MIB = 1024 * 1024
ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


# --------------------------------------------------------------------------- digests


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def etag_of(data: bytes) -> str:
    """The quoted ETag S3 gives a single-part, unencrypted object."""
    return f'"{md5_hex(data)}"'


def multipart_etag(parts: Iterable[bytes]) -> str:
    """The quoted ETag of a completed multipart upload: md5 of the part md5s, then -N."""
    digests = [hashlib.md5(p).digest() for p in parts]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def content_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def checksum_raw(algorithm: str, data: bytes) -> bytes:
    """The binary checksum of ``data`` for an S3 checksum algorithm (big-endian CRCs)."""
    algo = algorithm.upper()
    if algo == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algo == "CRC32C":
        return crt_checksums.crc32c(data).to_bytes(4, "big")
    if algo == "CRC64NVME":
        return crt_checksums.crc64nvme(data).to_bytes(8, "big")
    if algo == "SHA1":
        return hashlib.sha1(data).digest()
    if algo == "SHA256":
        return hashlib.sha256(data).digest()
    raise ValueError(algorithm)


def checksum_b64(algorithm: str, data: bytes) -> str:
    return base64.b64encode(checksum_raw(algorithm, data)).decode()


def composite_checksum(algorithm: str, parts: Iterable[bytes]) -> str:
    """S3's COMPOSITE multipart checksum: checksum of the concatenated part checksums, -N."""
    raws = [checksum_raw(algorithm, p) for p in parts]
    combined = checksum_raw(algorithm, b"".join(raws))
    return f"{base64.b64encode(combined).decode()}-{len(raws)}"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


# --------------------------------------------------------------------------- errors


def error_of(exc: ClientError) -> tuple[str, int]:
    return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]


@contextmanager
def expect_error(code: str | set[str], status: int) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Assert the block raises a ClientError with this S3 code (or one of these) and status."""
    with pytest.raises(ClientError) as info:
        yield info
    got_code, got_status = error_of(info.value)
    codes = {code} if isinstance(code, str) else code
    assert (got_code, got_status) in {(c, status) for c in codes}, (
        f"expected {codes} / {status}, got {got_code} / {got_status}: {info.value.response}"
    )


# --------------------------------------------------------------------------- clients


def make_client(endpoint: S3Endpoint, **config: Any) -> Any:
    return endpoint.client(**config)


def _force_trailer(context: dict[str, Any], **_: Any) -> None:
    algorithm = context.get("checksum", {}).get("request_algorithm")
    if isinstance(algorithm, dict) and algorithm.get("in") == "header":
        algorithm["in"] = "trailer"


def trailer_client(endpoint: S3Endpoint) -> Any:
    """A boto3 client that sends PutObject/UploadPart the way boto3 does over HTTPS.

    Over plain http botocore puts the checksum in a header; over https (every real
    deployment behind TLS) it streams the body as ``aws-chunked`` with
    ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` and an ``x-amz-checksum-*`` trailer. This
    client forces the https behaviour on the loopback endpoint.
    """
    client = endpoint.client()
    for op in ("PutObject", "UploadPart"):
        client.meta.events.register(f"before-call.s3.{op}", _force_trailer)
    return client


def raw_client(endpoint: S3Endpoint, access_key: str, secret_key: str) -> Any:
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return boto3.client(
        "s3",
        endpoint_url=endpoint.endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=endpoint.region,
        config=cfg,
    )


# --------------------------------------------------------------------------- raw HTTP


@dataclass
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def xml(self) -> ElementTree.Element:
        return parse_xml(self.body)

    def error_code(self) -> str | None:
        root = self.xml()
        node = root.find("Code")
        return node.text if node is not None else None


def key_path(bucket: str, key: str = "") -> str:
    """The URL path of a path-style S3 request (key percent-encoded, '/' kept)."""
    path = f"/{bucket}"
    if key:
        path += "/" + quote(key, safe="/~")
    return path


def sign_headers(
    endpoint: S3Endpoint,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
    unsigned_payload: bool = False,
    streaming_trailer: bool = False,
) -> dict[str, str]:
    """Return ``headers`` plus SigV4 ``Authorization``/``X-Amz-*`` headers for the request.

    ``unsigned_payload`` signs with ``UNSIGNED-PAYLOAD``; ``streaming_trailer`` with
    ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (an aws-chunked body with a checksum trailer).
    """
    creds = Credentials(access_key or endpoint.access_key, secret_key or endpoint.secret_key)
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body or b"")
    if unsigned_payload:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    if streaming_trailer:
        request.context["checksum"] = {"request_algorithm": {"in": "trailer"}}
    S3SigV4Auth(creds, "s3", region or endpoint.region).add_auth(request)
    return dict(request.headers.items())


def raw_request(
    endpoint: S3Endpoint,
    method: str,
    path: str,
    *,
    query: dict[str, str] | str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | Iterable[bytes] | None = None,
    sign: bool = True,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
    host: str | None = None,
    timeout: float = 30.0,
    streaming_trailer: bool = False,
) -> RawResponse:
    """Send one HTTP request to ``endpoint`` with http.client, optionally SigV4-signed.

    ``body`` may be bytes or an iterable of byte chunks (sent with
    Transfer-Encoding: chunked and an UNSIGNED-PAYLOAD signature). ``host``
    overrides the Host header (virtual-host style) while still connecting to the
    endpoint's address.
    """
    parts = urlsplit(endpoint.endpoint)
    qs = query if isinstance(query, str) else urlencode(query or {}, quote_via=quote)
    target = path + (f"?{qs}" if qs else "")
    host_header = host or parts.netloc
    hdrs = dict(headers or {})
    hdrs.setdefault("Host", host_header)
    streaming = body is not None and not isinstance(body, bytes | bytearray)
    if sign:
        url = f"{parts.scheme}://{host_header}{target}"
        hdrs = sign_headers(
            endpoint,
            method,
            url,
            hdrs,
            None if streaming else body,  # type: ignore[arg-type]
            access_key=access_key,
            secret_key=secret_key,
            region=region,
            unsigned_payload=streaming,
            streaming_trailer=streaming_trailer,
        )
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in hdrs.items():
            conn.putheader(name, value)
        if streaming:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for chunk in body:  # type: ignore[union-attr]
                if chunk:
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            data = bytes(body or b"")
            has_length = any(name.lower() == "content-length" for name in hdrs)
            if not has_length and (data or method in ("PUT", "POST")):
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data if data else None)
        resp = conn.getresponse()
        payload = resp.read()
        return RawResponse(resp.status, resp.headers, payload)
    finally:
        conn.close()


def aws_chunked_unsigned(data: bytes, trailer: dict[str, str], chunk: int = 65536) -> bytes:
    """Encode ``data`` as an unsigned aws-chunked body with trailing headers."""
    out = bytearray()
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    out += b"0\r\n"
    for name, value in trailer.items():
        out += f"{name}:{value}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


def parse_xml(body: bytes) -> ElementTree.Element:
    """Parse an S3 XML document and drop namespaces so ``find("Code")`` just works."""
    root = ElementTree.fromstring(body)
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    return root
