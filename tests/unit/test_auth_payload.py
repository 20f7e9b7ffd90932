"""PayloadReader: aws-chunked decoding with chunk/trailer signatures, sha256, lengths."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.httpchecksum import AwsChunkedWrapper, CrtCrc32Checksum

from grenier.s3.auth import AuthContext, BodyChecksums, PayloadReader, authenticate
from grenier.s3.errors import S3Error
from tests.unit.auth_helpers import AK, CREDS, DOC_NOW, from_botocore, pieces, secret_for, view

A1, A2 = b"a" * 65536, b"a" * 1024
SCOPE = f"{AK}/20130524/us-east-1/s3/aws4_request"
DOC_HEADERS = {
    "host": "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
}
# "Signature Calculations ... Transferring Payload in Multiple Chunks": example body.
CHUNKED_BODY = (
    b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
    + A1
    + b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
    + A2
    + b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
)
# "Signature calculations for trailing headers (chunked uploads)": example body.
TRAILER_BODY = (
    b"10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"
    + A1
    + b"\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"
    + A2
    + b"\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
    b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
    b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"
)


def doc_context(trailer: bool) -> tuple[AuthContext, dict[str, str]]:
    headers = dict(DOC_HEADERS)
    if trailer:
        signed = "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer"
        seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
        headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        headers["x-amz-trailer"] = "x-amz-checksum-crc32c"
    else:
        signed = "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class"
        seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        headers["content-length"] = "66824"
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={SCOPE},SignedHeaders={signed},Signature={seed}"
    )
    req = view("PUT", "/examplebucket/chunkObject.txt", headers)
    return authenticate(req, secret_for, region="us-east-1", now=DOC_NOW), headers


async def collect(reader: PayloadReader) -> bytes:
    return b"".join([piece async for piece in reader])


def read(
    ctx: AuthContext, headers: dict[str, str], source: AsyncIterator[bytes]
) -> tuple[PayloadReader, bytes]:
    reader = PayloadReader(ctx, headers, source, max_chunk=10_000)
    return reader, asyncio.run(collect(reader))


def error_of(ctx: AuthContext, headers: dict[str, str], body: bytes, size: int = 4096) -> S3Error:
    with pytest.raises(S3Error) as err:
        read(ctx, headers, pieces(body, size))
    return err.value


@pytest.mark.parametrize("size", [1, 7, 8192, 1 << 20])
def test_documented_chunked_upload_decodes_in_any_piece_size(size: int) -> None:
    ctx, headers = doc_context(trailer=False)
    assert ctx.payload == "streaming-signed"
    reader, body = read(ctx, headers, pieces(CHUNKED_BODY, size))
    assert body == A1 + A2
    assert reader.decoded_length == 66560
    assert reader.trailers == {}


@pytest.mark.parametrize("size", [3, 65536])
def test_documented_signed_trailer_upload_decodes_and_verifies(size: int) -> None:
    ctx, headers = doc_context(trailer=True)
    assert ctx.payload == "streaming-signed-trailer"
    reader, body = read(ctx, headers, pieces(TRAILER_BODY, size))
    assert body == A1 + A2
    assert reader.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}
    checks = BodyChecksums.from_request(headers)
    checks.update(A1 + A2)
    assert checks.verify(reader.trailers) == {"CRC32C": "sOO8/Q=="}


@pytest.mark.parametrize("offset", [200, 66000])
def test_one_changed_data_byte_breaks_the_chunk_signature(offset: int) -> None:
    ctx, headers = doc_context(trailer=False)
    body = bytearray(CHUNKED_BODY)
    body[offset] = ord("b")
    err = error_of(ctx, headers, bytes(body))
    assert (err.code, err.http_status) == ("SignatureDoesNotMatch", 403)


def test_reordered_or_forged_chunk_signatures_are_rejected() -> None:
    ctx, headers = doc_context(trailer=False)
    forged = CHUNKED_BODY.replace(b"ad80c730", b"ad80c731")
    assert error_of(ctx, headers, forged).code == "SignatureDoesNotMatch"
    unsigned = CHUNKED_BODY.replace(
        b"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", b"0"
    )
    assert error_of(ctx, headers, unsigned).code == "SignatureDoesNotMatch"


def test_changed_trailer_value_breaks_the_trailer_signature() -> None:
    ctx, headers = doc_context(trailer=True)
    body = TRAILER_BODY.replace(b"sOO8/Q==", b"sOO8/A==")
    assert error_of(ctx, headers, body).code == "SignatureDoesNotMatch"
    body = TRAILER_BODY.replace(b"x-amz-trailer-signature:d", b"x-amz-trailer-signature:e")
    assert error_of(ctx, headers, body).code == "SignatureDoesNotMatch"


def test_truncated_or_mislabelled_chunked_bodies() -> None:
    ctx, headers = doc_context(trailer=False)
    assert error_of(ctx, headers, CHUNKED_BODY[:60000]).code == "IncompleteBody"
    wrong_length = {**headers, "x-amz-decoded-content-length": "66561"}
    assert error_of(ctx, wrong_length, CHUNKED_BODY).code == "IncompleteBody"
    bad_size = CHUNKED_BODY.replace(b"400;", b"4g0;")
    assert error_of(ctx, headers, bad_size).code == "InvalidRequest"


def botocore_trailer_request(
    data: bytes, chunk_size: int
) -> tuple[AuthContext, dict[str, str], bytes]:
    wrapper = AwsChunkedWrapper(
        io.BytesIO(data),
        checksum_cls=CrtCrc32Checksum,
        checksum_name="x-amz-checksum-crc32",
        chunk_size=chunk_size,
    )
    body = wrapper.read()
    headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Trailer": "x-amz-checksum-crc32",
        "X-Amz-Decoded-Content-Length": str(len(data)),
        "X-Amz-Sdk-Checksum-Algorithm": "CRC32",
    }
    request = AWSRequest("PUT", "http://127.0.0.1:9000/b/k", headers=headers, data=body)
    request.context["checksum"] = {
        "request_algorithm": {"in": "trailer", "name": "x-amz-checksum-crc32", "algorithm": "crc32"}
    }
    S3SigV4Auth(CREDS, "s3", "us-east-1").add_auth(request)
    req = from_botocore(request)
    ctx = authenticate(req, secret_for, region="us-east-1")
    return ctx, dict(req.headers), body


@pytest.mark.parametrize("length", [0, 1, 65536, 300_001])
def test_botocore_unsigned_trailer_upload_decodes_and_checksums(length: int) -> None:
    data = bytes(range(256)) * (length // 256) + b"z" * (length % 256)
    ctx, headers, body = botocore_trailer_request(data, chunk_size=65536)
    assert ctx.payload == "streaming-unsigned-trailer"
    reader, got = read(ctx, headers, pieces(body, 5000))
    assert got == data
    checks = BodyChecksums.from_request(headers)
    checks.update(data)
    stored = checks.verify(reader.trailers)
    assert list(stored) == ["CRC32"]
    assert checks.md5_hex == hashlib.md5(data).hexdigest()


def test_botocore_trailer_with_wrong_crc_is_bad_digest() -> None:
    ctx, headers, body = botocore_trailer_request(b"hello world", chunk_size=4)
    reader, _ = read(ctx, headers, pieces(body, 5))
    checks = BodyChecksums.from_request(headers)
    checks.update(b"hello worle")
    with pytest.raises(S3Error) as err:
        checks.verify(reader.trailers)
    assert (err.value.code, err.value.http_status) == ("BadDigest", 400)
    assert err.value.text == "The CRC32 you specified did not match the calculated checksum."


def test_signed_body_sha256_is_checked_at_the_end() -> None:
    request = AWSRequest("PUT", "http://127.0.0.1:9000/b/k", data=b"payload")
    S3SigV4Auth(CREDS, "s3", "us-east-1").add_auth(request)
    req = from_botocore(request)
    ctx = authenticate(req, secret_for, region="us-east-1")
    headers = dict(req.headers)
    assert read(ctx, headers, pieces(b"payload", 2))[1] == b"payload"
    err = error_of(ctx, headers, b"paylOad")
    assert (err.code, err.http_status) == ("XAmzContentSHA256Mismatch", 400)
    assert error_of(ctx, headers, b"pay").code == "IncompleteBody"


def test_unsigned_body_without_content_length_passes_through_in_bounded_pieces() -> None:
    ctx = AuthContext(access_key=None, scheme="anonymous", payload="unsigned")
    reader, body = read(ctx, {"transfer-encoding": "chunked"}, pieces(b"x" * 25_000, 25_000))
    assert body == b"x" * 25_000
    assert reader.decoded_length == 25_000
