"""Requests signed by botocore itself (header, presigned, SigV2) verify, and only as sent."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import pytest
from botocore.auth import (
    HmacV1Auth,
    HmacV1QueryAuth,
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV4Auth,
)
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from grenier.s3.auth import AuthContext, RequestView, authenticate
from grenier.s3.errors import S3Error
from tests.unit.auth_helpers import AK, CREDS, SK, from_botocore, secret_for, view

ENDPOINT = "http://127.0.0.1:9000"
ODD_KEYS = [
    "a//b",
    "a/../b",
    "./x/./y",
    "x+y",
    "%2B",
    "sp ace",
    "ключ/été 日本.nc",
    "~!'()*$&=;:@,",
    "trailing/",
]


def url(key: str, query: str = "") -> str:
    return f"{ENDPOINT}/bucket/{quote(key, safe='/~')}" + (f"?{query}" if query else "")


def auth(req: RequestView, **kwargs: Any) -> AuthContext:
    return authenticate(req, secret_for, region="us-east-1", **kwargs)


def error_of(req: RequestView, **kwargs: Any) -> S3Error:
    with pytest.raises(S3Error) as err:
        auth(req, **kwargs)
    return err.value


def sigv4(method: str, target: str, body: bytes = b"", region: str = "us-east-1") -> RequestView:
    request = AWSRequest(method, target, data=body)
    S3SigV4Auth(CREDS, "s3", region).add_auth(request)
    return from_botocore(request)


def presigned_v4(target: str, expires: int = 3600, region: str = "us-east-1") -> RequestView:
    request = AWSRequest("GET", target)
    S3SigV4QueryAuth(CREDS, "s3", region, expires=expires).add_auth(request)
    return from_botocore(request)


@pytest.mark.parametrize("key", ODD_KEYS)
def test_header_signed_odd_keys_verify_exactly_as_botocore_signs(key: str) -> None:
    req = sigv4("GET", url(key, "prefix=" + quote("a b+c/é", safe="") + "&delimiter=%2F"))
    ctx = auth(req)
    assert (ctx.access_key, ctx.scheme, ctx.payload) == (AK, "sigv4", "signed")
    other = replace(req, raw_path=req.raw_path + "x")
    assert error_of(other).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("key", ODD_KEYS)
def test_presigned_odd_keys_verify(key: str) -> None:
    ctx = auth(presigned_v4(url(key)))
    assert (ctx.scheme, ctx.payload) == ("sigv4-presigned", "unsigned")


@pytest.mark.parametrize("key", ODD_KEYS)
def test_sigv2_header_and_query_verify(key: str) -> None:
    request = AWSRequest("PUT", url(key, "uploadId=u%20v&partNumber=3&foo=bar"), data=b"x")
    HmacV1Auth(CREDS).add_auth(request)
    assert auth(from_botocore(request)).scheme == "sigv2"
    request = AWSRequest("GET", url(key))
    HmacV1QueryAuth(CREDS, expires=60).add_auth(request)
    req = from_botocore(request)
    assert auth(req).scheme == "sigv2-presigned"
    assert error_of(replace(req, method="DELETE")).code == "SignatureDoesNotMatch"


def test_sigv2_subresource_change_is_detected() -> None:
    request = AWSRequest("GET", url("k", "versionId=1"))
    HmacV1Auth(CREDS).add_auth(request)
    req = from_botocore(request)
    assert error_of(replace(req, raw_query="versionId=2")).code == "SignatureDoesNotMatch"


def test_sigv2_presigned_url_expires() -> None:
    request = AWSRequest("GET", url("k"))
    HmacV1QueryAuth(CREDS, expires=60).add_auth(request)
    err = error_of(from_botocore(request), now=datetime.now(UTC) + timedelta(seconds=120))
    assert (err.code, err.text) == ("AccessDenied", "Request has expired")


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
def test_boto3_generate_presigned_url_against_a_custom_endpoint(signature_version: str) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        region_name="us-east-1",
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}),
    )
    signed = client.generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "dir/é x+y.nc"}, ExpiresIn=300
    )
    split = urlsplit(signed)
    req = view("GET", f"{split.path}?{split.query}", {"host": split.netloc})
    expected = "sigv2-presigned" if signature_version == "s3" else "sigv4-presigned"
    assert auth(req).scheme == expected
    assert dict(parse_qsl(split.query))  # the URL carries its signature in the query


def test_body_signed_put_keeps_expected_sha256() -> None:
    ctx = auth(sigv4("PUT", url("k"), b"hello"))
    assert ctx.payload == "signed"
    assert ctx.content_sha256 == hashlib.sha256(b"hello").hexdigest()


def test_unknown_access_key_is_invalid_access_key_id() -> None:
    request = AWSRequest("GET", url("k"))
    S3SigV4Auth(Credentials("NOPE", SK), "s3", "us-east-1").add_auth(request)
    err = error_of(from_botocore(request))
    assert (err.code, err.http_status, err.extra["AWSAccessKeyId"]) == (
        "InvalidAccessKeyId",
        403,
        "NOPE",
    )


def test_wrong_secret_is_signature_does_not_match() -> None:
    request = AWSRequest("GET", url("k"))
    S3SigV4Auth(Credentials(AK, "wrong"), "s3", "us-east-1").add_auth(request)
    err = error_of(from_botocore(request))
    assert (err.code, err.http_status) == ("SignatureDoesNotMatch", 403)


def test_wrong_region_names_the_expected_region() -> None:
    err = error_of(sigv4("GET", url("k"), region="eu-west-3"))
    assert err.code == "AuthorizationHeaderMalformed"
    assert "'eu-west-3' is wrong; expecting 'us-east-1'" in err.text
    assert err.extra["Region"] == "us-east-1"
    err = error_of(presigned_v4(url("k"), region="eu-west-3"))
    assert (err.code, err.extra["Region"]) == ("AuthorizationQueryParametersError", "us-east-1")


def test_clock_skew_beyond_15_minutes_is_rejected() -> None:
    req = sigv4("GET", url("k"))
    assert auth(req, now=datetime.now(UTC) + timedelta(minutes=14)).scheme == "sigv4"
    err = error_of(req, now=datetime.now(UTC) + timedelta(minutes=16))
    assert (err.code, err.http_status) == ("RequestTimeTooSkewed", 403)
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"


def test_presigned_expiry_is_enforced_and_capped_at_seven_days() -> None:
    req = presigned_v4(url("k"), expires=60)
    err = error_of(req, now=datetime.now(UTC) + timedelta(seconds=90))
    assert (err.code, err.text) == ("AccessDenied", "Request has expired")
    err = error_of(presigned_v4(url("k"), expires=604801))
    assert err.code == "AuthorizationQueryParametersError"
    assert "604800" in err.text


def test_presigned_query_missing_a_parameter_is_malformed() -> None:
    req = presigned_v4(url("k"))
    query = "&".join(p for p in req.raw_query.split("&") if not p.startswith("X-Amz-Date"))
    assert error_of(replace(req, raw_query=query)).code == "AuthorizationQueryParametersError"


def test_malformed_and_unsupported_authorization_headers() -> None:
    headers = {"host": "h", "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")}
    bad = view("GET", "/b/k", {**headers, "authorization": "AWS4-HMAC-SHA256 Credential=x"})
    assert error_of(bad).code == "AuthorizationHeaderMalformed"
    cred = f"Credential={AK}/2013/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00"
    bad = view("GET", "/b/k", {**headers, "authorization": f"AWS4-HMAC-SHA256 {cred}"})
    assert error_of(bad).code == "AuthorizationHeaderMalformed"
    other = view("GET", "/b/k", {**headers, "authorization": "Bearer abc"})
    err = error_of(other)
    assert (err.code, err.text) == ("InvalidArgument", "Unsupported Authorization Type")


def test_header_and_query_auth_together_are_refused() -> None:
    req = presigned_v4(url("k"))
    both = view(
        "GET",
        f"{req.raw_path}?{req.raw_query}",
        {"host": "127.0.0.1:9000", "authorization": "AWS a:b"},
    )
    assert error_of(both).code == "InvalidArgument"


def test_no_credentials_is_an_anonymous_context() -> None:
    ctx = auth(view("GET", "/b/k?list-type=2", {"host": "h"}))
    assert (ctx.access_key, ctx.scheme, ctx.payload) == (None, "anonymous", "none")


def test_iam_style_sigv4_with_body_hash_and_no_content_sha256_header() -> None:
    body = b"Action=ListUsers&Version=2010-05-08"
    request = AWSRequest(
        "POST",
        f"{ENDPOINT}/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(CREDS, "iam", "us-east-1").add_auth(request)
    req = from_botocore(request)
    ctx = auth(req, body=body, service="iam")
    assert (ctx.service, ctx.payload) == ("iam", "signed")
    assert error_of(req, body=body + b"&x=1", service="iam").code == "SignatureDoesNotMatch"


def test_payload_declarations_that_cannot_be_honoured() -> None:
    bad = view("PUT", "/b/k", {"host": "h", "x-amz-content-sha256": "not-a-hash"})
    err = error_of(bad)
    assert (err.code, err.extra["ArgumentName"]) == ("InvalidArgument", "x-amz-content-sha256")
    unsigned_chunks = view(
        "PUT", "/b/k", {"host": "h", "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}
    )
    assert error_of(unsigned_chunks).code == "InvalidRequest"
    anonymous_trailer = view(
        "PUT", "/b/k", {"host": "h", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
    )
    assert auth(anonymous_trailer).payload == "streaming-unsigned-trailer"
