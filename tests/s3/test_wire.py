"""Wire-level behaviour over raw HTTP: error documents, headers, Expect: 100-continue,
chunked bodies, DeleteObjects checksums, authentication failures, presigned URLs.

Grenier only: moto neither authenticates requests nor sends x-amz-request-id.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from tests.s3.helpers import (
    checksum_b64,
    content_md5,
    etag_of,
    expect_error,
    key_path,
    raw_client,
    raw_request,
    sign_headers,
    unique,
)
from tests.servers import GrenierServer

BODY = b"wire level body\n" * 64


def assert_error_document(resp: Any, code: str, status: int) -> None:
    assert resp.status == status
    assert resp.header("Content-Type", "").startswith("application/xml")
    root = resp.xml()
    assert root.tag == "Error"
    assert root.findtext("Code") == code
    assert root.findtext("Message")
    assert root.findtext("RequestId")
    assert root.findtext("RequestId") == resp.header("x-amz-request-id")


def test_error_document(grenier: GrenierServer, bucket: str) -> None:
    resp = raw_request(grenier, "GET", key_path(bucket, "dir/missing key"))
    assert_error_document(resp, "NoSuchKey", 404)
    resource = resp.xml().findtext("Resource") or ""
    assert resource.endswith("missing key") or resource.endswith("missing%20key")
    missing = unique("nobucket")
    resp = raw_request(grenier, "GET", key_path(missing))
    assert_error_document(resp, "NoSuchBucket", 404)
    assert missing in (resp.xml().findtext("Resource") or "")


def test_head_errors_have_no_body(grenier: GrenierServer, bucket: str) -> None:
    for path in (key_path(bucket, "missing"), key_path(unique("nobucket"), "k")):
        resp = raw_request(grenier, "HEAD", path)
        assert resp.status == 404
        assert resp.body == b""
        assert resp.header("x-amz-request-id")
    anonymous = raw_request(grenier, "HEAD", key_path(bucket, "missing"), sign=False)
    assert anonymous.status == 403
    assert anonymous.body == b""


def test_request_id_on_every_response(grenier: GrenierServer, bucket: str) -> None:
    k = key_path(bucket, "rid")
    responses = [
        raw_request(grenier, "GET", "/"),
        raw_request(grenier, "PUT", k, body=b"x"),
        raw_request(grenier, "GET", k),
        raw_request(grenier, "HEAD", k),
        raw_request(grenier, "GET", key_path(bucket), query={"list-type": "2"}),
        raw_request(grenier, "DELETE", k),
        raw_request(grenier, "GET", k),
        raw_request(grenier, "GET", k, sign=False),
    ]
    assert [r.status for r in responses] == [200, 200, 200, 200, 200, 204, 404, 403]
    ids = [r.header("x-amz-request-id") for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)


def test_etags_are_quoted(grenier: GrenierServer, bucket: str) -> None:
    k = key_path(bucket, "q")
    put = raw_request(grenier, "PUT", k, body=BODY)
    assert put.header("ETag") == etag_of(BODY)
    assert raw_request(grenier, "GET", k).header("ETag") == etag_of(BODY)
    assert raw_request(grenier, "HEAD", k).header("ETag") == etag_of(BODY)
    copy = raw_request(
        grenier, "PUT", key_path(bucket, "q2"), headers={"x-amz-copy-source": f"/{bucket}/q"}
    )
    assert copy.status == 200
    assert html.unescape(copy.xml().findtext("ETag") or "") == etag_of(BODY)
    listing = raw_request(grenier, "GET", key_path(bucket), query={"list-type": "2"})
    etags = [html.unescape(e.text or "") for e in listing.xml().iter("ETag")]
    assert etags == [etag_of(BODY), etag_of(BODY)]
    s3 = grenier.client()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mq")["UploadId"]
    part = raw_request(
        grenier,
        "PUT",
        key_path(bucket, "mq"),
        query={"partNumber": "1", "uploadId": uid},
        body=BODY,
    )
    assert part.header("ETag") == etag_of(BODY)
    xml = (
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
        f"<ETag>{html.escape(etag_of(BODY))}</ETag></Part></CompleteMultipartUpload>"
    ).encode()
    done = raw_request(grenier, "POST", key_path(bucket, "mq"), query={"uploadId": uid}, body=xml)
    assert done.status == 200, done.body
    etag = html.unescape(done.xml().findtext("ETag") or "")
    assert etag.startswith('"') and etag.endswith('-1"')


def _read_head(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_expect_100_continue(grenier: GrenierServer, bucket: str) -> None:
    parts = urlsplit(grenier.endpoint)
    path = key_path(bucket, "expect")
    headers = sign_headers(
        grenier,
        "PUT",
        f"{grenier.endpoint}{path}",
        {"Host": parts.netloc, "Expect": "100-continue", "Content-Length": str(len(BODY))},
        BODY,
    )
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n")
        interim = _read_head(sock, started + 1.0)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(BODY)
        final = _read_head(sock, started + 5.0)
    elapsed = time.monotonic() - started
    assert final.startswith(b"HTTP/1.1 200"), final
    assert elapsed < 0.5, elapsed
    assert grenier.client().get_object(Bucket=bucket, Key="expect")["Body"].read() == BODY


def test_boto3_put_with_expect_is_fast(s3: Any, bucket: str) -> None:
    # botocore sends Expect: 100-continue for file-like bodies and waits up to 1 s for the
    # interim response: three PUTs must not take three seconds.
    started = time.monotonic()
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"fast{i}", Body=io.BytesIO(BODY))
    assert time.monotonic() - started < 1.5
    assert s3.get_object(Bucket=bucket, Key="fast2")["Body"].read() == BODY


def test_chunked_transfer_encoding_accepted(grenier: GrenierServer, bucket: str) -> None:
    # AWS itself answers 411 MissingContentLength; Grenier accepts chunked bodies because
    # streaming clients (curl, GDAL, proxies) send them.
    chunks = [BODY[i : i + 100] for i in range(0, len(BODY), 100)]
    resp = raw_request(grenier, "PUT", key_path(bucket, "chunked"), body=iter(chunks))
    assert resp.status == 200, resp.body
    assert resp.header("ETag") == etag_of(BODY)
    got = grenier.client().get_object(Bucket=bucket, Key="chunked")
    assert got["Body"].read() == BODY
    assert got["ContentLength"] == len(BODY)


def _delete_xml(keys: list[str]) -> bytes:
    objs = "".join(f"<Object><Key>{html.escape(k)}</Key></Object>" for k in keys)
    return f"<Delete><Quiet>false</Quiet>{objs}</Delete>".encode()


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA256", "CRC64NVME"])
def test_delete_objects_with_checksum_instead_of_md5(
    grenier: GrenierServer, bucket: str, algorithm: str
) -> None:
    s3 = grenier.client()
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    body = _delete_xml(["a", "b"])
    resp = raw_request(
        grenier,
        "POST",
        key_path(bucket),
        query="delete",
        headers={
            f"x-amz-checksum-{algorithm.lower()}": checksum_b64(algorithm, body),
            "x-amz-sdk-checksum-algorithm": algorithm,
        },
        body=body,
    )
    assert resp.status == 200, resp.body
    assert sorted(d.findtext("Key") or "" for d in resp.xml().iter("Deleted")) == ["a", "b"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_wrong_checksum(grenier: GrenierServer, bucket: str) -> None:
    grenier.client().put_object(Bucket=bucket, Key="a", Body=b"x")
    body = _delete_xml(["a"])
    resp = raw_request(
        grenier,
        "POST",
        key_path(bucket),
        query="delete",
        headers={"x-amz-checksum-crc32": checksum_b64("CRC32", b"other")},
        body=body,
    )
    assert resp.status == 400
    assert resp.error_code() in {"BadDigest", "XAmzContentChecksumMismatch"}
    assert grenier.client().get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"


# --------------------------------------------------------------------------- authentication


def test_anonymous_requests_denied(grenier: GrenierServer, bucket: str) -> None:
    grenier.client().put_object(Bucket=bucket, Key="private", Body=b"secret")
    for method, path, body in (
        ("GET", "/", None),
        ("GET", key_path(bucket), None),
        ("GET", key_path(bucket, "private"), None),
        ("PUT", key_path(bucket, "new"), b"x"),
        ("DELETE", key_path(bucket, "private"), None),
    ):
        resp = raw_request(grenier, method, path, body=body, sign=False)
        assert_error_document(resp, "AccessDenied", 403)
    assert grenier.client().get_object(Bucket=bucket, Key="private")["Body"].read() == b"secret"


def test_unknown_access_key(grenier: GrenierServer, bucket: str) -> None:
    s3 = raw_client(grenier, "NOSUCHKEY0000000", "whatever-secret")
    with expect_error("InvalidAccessKeyId", 403):
        s3.list_objects_v2(Bucket=bucket)
    with expect_error("InvalidAccessKeyId", 403):
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")


def test_wrong_secret(grenier: GrenierServer, bucket: str) -> None:
    s3 = raw_client(grenier, grenier.access_key, "not-the-secret")
    with expect_error("SignatureDoesNotMatch", 403):
        s3.list_objects_v2(Bucket=bucket)
    with expect_error("SignatureDoesNotMatch", 403):
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")


def test_signature_for_another_region(grenier: GrenierServer, bucket: str) -> None:
    resp = raw_request(grenier, "GET", key_path(bucket), region="eu-west-3")
    assert_error_document(resp, "AuthorizationHeaderMalformed", 400)
    assert resp.xml().findtext("Region") in (None, grenier.region)


def _urlopen(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _client(grenier: GrenierServer, **config: Any) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=grenier.endpoint,
        aws_access_key_id=grenier.access_key,
        aws_secret_access_key=grenier.secret_key,
        region_name=grenier.region,
        config=Config(s3={"addressing_style": "path"}, **config),
    )


def test_presigned_sigv4(grenier: GrenierServer, bucket: str) -> None:
    s3 = _client(grenier, signature_version="s3v4")
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "pre/sig v4"}, ExpiresIn=300
    )
    assert "X-Amz-Signature=" in put_url
    assert _urlopen(put_url, "PUT", BODY)[0] == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre/sig v4"}, ExpiresIn=300
    )
    assert _urlopen(get_url) == (200, BODY)
    # Tampering with a signed parameter breaks the signature.
    status, body = _urlopen(get_url.replace("X-Amz-Expires=300", "X-Amz-Expires=301"))
    assert status == 403
    assert b"SignatureDoesNotMatch" in body


def test_presigned_boto3_default(grenier: GrenierServer, bucket: str) -> None:
    # boto3's default presigner (no signature_version) may produce SigV2 query auth
    # (AWSAccessKeyId/Signature/Expires) for a custom endpoint; both must work.
    s3 = _client(grenier)
    grenier.client().put_object(Bucket=bucket, Key="pre/default", Body=BODY)
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre/default"}, ExpiresIn=300
    )
    query = parse_qs(urlsplit(url).query)
    assert "Signature" in query or "X-Amz-Signature" in query
    assert _urlopen(url) == (200, BODY)
    overridden = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": "pre/default", "ResponseContentType": "text/x-test"},
        ExpiresIn=300,
    )
    req = urllib.request.Request(overridden)
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "text/x-test"
        assert resp.read() == BODY


def test_presigned_expired(grenier: GrenierServer, bucket: str) -> None:
    grenier.client().put_object(Bucket=bucket, Key="pre/exp", Body=BODY)
    params = {"Bucket": bucket, "Key": "pre/exp"}
    urls = [
        _client(grenier, signature_version="s3v4").generate_presigned_url(
            "get_object", Params=params, ExpiresIn=1
        ),
        _client(grenier).generate_presigned_url("get_object", Params=params, ExpiresIn=1),
    ]
    time.sleep(2.5)
    for url in urls:
        status, body = _urlopen(url)
        assert status == 403, url
        assert b"<Code>AccessDenied</Code>" in body


# --------------------------------------------------------------------------- health


@pytest.mark.parametrize("path", ["/minio/health/live", "/minio/health/ready"])
def test_health_endpoints(grenier: GrenierServer, path: str) -> None:
    resp = raw_request(grenier, "GET", path, sign=False)
    assert resp.status == 200
    assert raw_request(grenier, "HEAD", path, sign=False).status == 200


# --------------------------------------------------------------------------- signed aws-chunked


class _StreamingSigner(S3SigV4Auth):
    """SigV4 header signing with x-amz-content-sha256 = STREAMING-AWS4-HMAC-SHA256-PAYLOAD."""

    def payload(self, request: Any) -> str:
        return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def _signing_key(secret: str, date: str, region: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _signed_chunked_put(
    grenier: GrenierServer, path: str, data: bytes, chunk: int, tamper: bool = False
) -> Any:
    """A PUT with a SigV4-signed aws-chunked body (what the Java/Go/MinIO SDKs send)."""
    url = f"{grenier.endpoint}{path}"
    empty = hashlib.sha256(b"").hexdigest()
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] + [b""]
    # The encoded length depends only on the chunk sizes (signatures are 64 hex chars).
    encoded_len = sum(len(f"{len(p):x};chunk-signature=") + 64 + 2 + len(p) + 2 for p in pieces)
    request = AWSRequest(
        method="PUT",
        url=url,
        headers={
            "Host": urlsplit(url).netloc,
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "Content-Length": str(encoded_len),
        },
    )
    creds = Credentials(grenier.access_key, grenier.secret_key)
    _StreamingSigner(creds, "s3", grenier.region).add_auth(request)
    stamp = request.headers["X-Amz-Date"]
    scope = f"{stamp[:8]}/{grenier.region}/s3/aws4_request"
    key = _signing_key(grenier.secret_key, stamp[:8], grenier.region)
    previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    body = bytearray()
    for piece in pieces:
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                stamp,
                scope,
                previous,
                empty,
                hashlib.sha256(piece).hexdigest(),
            ]
        )
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        sent = piece[:-1] + b"!" if tamper and piece else piece
        body += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    assert len(body) == encoded_len
    return raw_request(
        grenier, "PUT", path, headers=dict(request.headers.items()), body=bytes(body), sign=False
    )


def test_signed_aws_chunked_upload(grenier: GrenierServer, bucket: str) -> None:
    data = os.urandom(200_000)
    resp = _signed_chunked_put(grenier, key_path(bucket, "signed-chunks"), data, chunk=65536)
    assert resp.status == 200, resp.body
    assert resp.header("ETag") == etag_of(data)
    got = grenier.client().get_object(Bucket=bucket, Key="signed-chunks")
    assert got["Body"].read() == data
    assert "aws-chunked" not in got.get("ContentEncoding", "")


def test_signed_aws_chunked_tampered_chunk(grenier: GrenierServer, bucket: str) -> None:
    data = os.urandom(100_000)
    resp = _signed_chunked_put(grenier, key_path(bucket, "tampered"), data, 65536, tamper=True)
    assert resp.status == 403
    assert resp.error_code() == "SignatureDoesNotMatch"
    assert raw_request(grenier, "HEAD", key_path(bucket, "tampered")).status == 404


# --------------------------------------------------------------------------- bad input


def test_incomplete_body_leaves_nothing(grenier: GrenierServer, bucket: str) -> None:
    parts = urlsplit(grenier.endpoint)
    path = key_path(bucket, "incomplete")
    headers = sign_headers(
        grenier,
        "PUT",
        f"{grenier.endpoint}{path}",
        {"Host": parts.netloc, "Content-Length": "100000"},
        None,
        unsigned_payload=True,
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n" + b"x" * 50_000)
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(10)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
    assert raw_request(grenier, "HEAD", path).status == 404
    # The server is still healthy.
    assert raw_request(grenier, "PUT", path, body=b"ok").status == 200


def test_invalid_continuation_token(s3: Any, bucket: str) -> None:
    with expect_error("InvalidArgument", 400):
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="!!not-a-token!!")


@pytest.mark.parametrize(
    "body",
    [b"", b"not xml", b"<Delete><Object><Key>a</Key></Object>", b"<Wrong/>"],
    ids=["empty", "text", "truncated", "wrong-root"],
)
def test_delete_objects_malformed_xml(grenier: GrenierServer, bucket: str, body: bytes) -> None:
    resp = raw_request(
        grenier,
        "POST",
        key_path(bucket),
        query="delete",
        headers={"Content-MD5": content_md5(body)},
        body=body,
    )
    assert resp.status == 400
    assert resp.error_code() in {"MalformedXML", "MissingRequestBodyError"}
