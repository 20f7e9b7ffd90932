"""SigV4 against the examples published in the Amazon S3 API reference.

Values come from "Signature Calculations for the Authorization Header: Transferring
Payload in a Single Chunk", "Authenticating Requests: Using Query Parameters" and
"... Transferring Payload in Multiple Chunks" (credentials AKIAIOSFODNN7EXAMPLE,
time 20130524T000000Z, region us-east-1).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from grenier.s3.auth import authenticate
from grenier.s3.errors import S3Error
from tests.unit.auth_helpers import AK, DOC_NOW, secret_for, view

HOST = "examplebucket.s3.amazonaws.com"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SCOPE = f"{AK}/20130524/us-east-1/s3/aws4_request"


def authorization(signed: str, signature: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential={SCOPE},SignedHeaders={signed},Signature={signature}"


def doc_headers(signed: str, signature: str, **extra: str) -> dict[str, str]:
    headers = {"host": HOST, "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": EMPTY}
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    headers["authorization"] = authorization(signed, signature)
    return headers


GET_OBJECT = (
    "GET",
    "/test.txt",
    doc_headers(
        "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        range="bytes=0-9",
    ),
)
PUT_OBJECT = (
    "PUT",
    "/test$file.text",
    doc_headers(
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        date="Fri, 24 May 2013 00:00:00 GMT",
        x_amz_storage_class="REDUCED_REDUNDANCY",
        x_amz_content_sha256="44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
    ),
)
GET_LIFECYCLE = (
    "GET",
    "/?lifecycle",
    doc_headers(
        "host;x-amz-content-sha256;x-amz-date",
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    ),
)
LIST_OBJECTS = (
    "GET",
    "/?max-keys=2&prefix=J",
    doc_headers(
        "host;x-amz-content-sha256;x-amz-date",
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    ),
)
PRESIGNED = (
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)


@pytest.mark.parametrize("example", [GET_OBJECT, PUT_OBJECT, GET_LIFECYCLE, LIST_OBJECTS])
def test_documented_header_signatures_verify(example: tuple[str, str, dict[str, str]]) -> None:
    ctx = authenticate(view(*example), secret_for, region="us-east-1", now=DOC_NOW)
    assert (ctx.access_key, ctx.scheme, ctx.region, ctx.service) == (AK, "sigv4", "us-east-1", "s3")
    assert ctx.payload == "signed"
    assert ctx.content_sha256 == example[2]["x-amz-content-sha256"]


def test_put_example_with_percent_encoded_dollar_verifies_too() -> None:
    method, _, headers = PUT_OBJECT
    ctx = authenticate(
        view(method, "/test%24file.text", headers), secret_for, region="us-east-1", now=DOC_NOW
    )
    assert ctx.access_key == AK


@pytest.mark.parametrize("example", [GET_OBJECT, PUT_OBJECT, GET_LIFECYCLE, LIST_OBJECTS])
def test_documented_examples_fail_when_one_thing_changes(
    example: tuple[str, str, dict[str, str]],
) -> None:
    method, target, headers = example
    for tampered in (
        view("POST" if method == "GET" else "GET", target, headers),
        view(method, target + ("&x=1" if "?" in target else "?x=1"), headers),
        view(method, target.replace("/", "/x", 1), headers),
        view(method, target, {**headers, "host": "other." + HOST}),
    ):
        with pytest.raises(S3Error) as err:
            authenticate(tampered, secret_for, region="us-east-1", now=DOC_NOW)
        assert err.value.code == "SignatureDoesNotMatch"
        assert err.value.http_status == 403
        assert err.value.extra["SignatureProvided"] in headers["authorization"]


def test_documented_presigned_url_verifies() -> None:
    ctx = authenticate(
        view("GET", PRESIGNED, {"host": HOST}), secret_for, region="us-east-1", now=DOC_NOW
    )
    assert (ctx.access_key, ctx.scheme, ctx.payload) == (AK, "sigv4-presigned", "unsigned")


def test_documented_presigned_url_expires_after_a_day() -> None:
    later = DOC_NOW + timedelta(seconds=86401)
    with pytest.raises(S3Error) as err:
        authenticate(
            view("GET", PRESIGNED, {"host": HOST}), secret_for, region="us-east-1", now=later
        )
    assert (err.value.code, err.value.text, err.value.http_status) == (
        "AccessDenied",
        "Request has expired",
        403,
    )


def test_documented_presigned_url_with_changed_expiry_is_rejected() -> None:
    target = PRESIGNED.replace("X-Amz-Expires=86400", "X-Amz-Expires=86401")
    with pytest.raises(S3Error) as err:
        authenticate(
            view("GET", target, {"host": HOST}), secret_for, region="us-east-1", now=DOC_NOW
        )
    assert err.value.code == "SignatureDoesNotMatch"


def test_documented_chunked_upload_seed_signature_verifies() -> None:
    signed = (
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class"
    )
    headers = {
        "host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "content-length": "66824",
        "authorization": authorization(
            signed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        ),
    }
    req = view("PUT", "/examplebucket/chunkObject.txt", headers)
    ctx = authenticate(req, secret_for, region="us-east-1", now=DOC_NOW)
    assert ctx.payload == "streaming-signed"
    assert ctx.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert ctx.scope == "20130524/us-east-1/s3/aws4_request"
