"""What a signature must cover: every x-amz-* header, and a scope naming this endpoint.

Requests are signed by botocore (SigV4 header and query, SigV2 header and query); the
tests then add a header the signer never saw, or sign for another service or region.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from multidict import CIMultiDict, CIMultiDictProxy

from grenier.s3.auth import AuthContext, RequestView, authenticate
from grenier.s3.errors import S3Error
from tests.unit.auth_helpers import CREDS, from_botocore, secret_for

ENDPOINT = "http://127.0.0.1:9000"
NOT_SIGNED = "There were headers present in the request which were not signed"
# Headers that change what a request does (the attack: a presigned PUT becomes a copy).
BEHAVIOUR_HEADERS = {
    "x-amz-copy-source": "/private/secret",
    "x-amz-tagging": "a=b",
    "x-amz-meta-owner": "mallory",
    "x-amz-website-redirect-location": "/elsewhere",
    "x-amz-acl": "public-read",
    "x-amz-checksum-crc32": "AAAAAA==",
}


def auth(req: RequestView, server_region: str = "us-east-1", **kwargs: Any) -> AuthContext:
    return authenticate(req, secret_for, region=server_region, **kwargs)


def error_of(req: RequestView, **kwargs: Any) -> S3Error:
    with pytest.raises(S3Error) as err:
        auth(req, **kwargs)
    return err.value


def with_header(req: RequestView, name: str, value: str) -> RequestView:
    headers = CIMultiDict(req.headers)
    headers.add(name, value)
    return replace(req, headers=CIMultiDictProxy(headers))


def signed(method: str = "PUT", headers: dict[str, str] | None = None) -> RequestView:
    request = AWSRequest(method, f"{ENDPOINT}/public/upload", data=b"x", headers=headers)
    S3SigV4Auth(CREDS, "s3", "us-east-1").add_auth(request)
    return from_botocore(request)


def presigned(method: str = "PUT", headers: dict[str, str] | None = None) -> RequestView:
    request = AWSRequest(method, f"{ENDPOINT}/public/upload", headers=headers)
    S3SigV4QueryAuth(CREDS, "s3", "us-east-1", expires=300).add_auth(request)
    return from_botocore(request)


@pytest.mark.parametrize("name", sorted(BEHAVIOUR_HEADERS))
@pytest.mark.parametrize("make", [signed, presigned], ids=["header", "query"])
def test_an_unsigned_x_amz_header_is_access_denied(make: Any, name: str) -> None:
    req = make()
    assert auth(req).access_key  # the request as signed is fine
    err = error_of(with_header(req, name, BEHAVIOUR_HEADERS[name]))
    assert (err.code, err.http_status, err.text) == ("AccessDenied", 403, NOT_SIGNED)
    assert err.extra["HeadersNotSigned"] == name


def test_every_unsigned_header_is_named() -> None:
    req = with_header(with_header(presigned(), "X-Amz-Tagging", "a=b"), "x-amz-acl", "private")
    assert error_of(req).extra["HeadersNotSigned"] == "x-amz-acl, x-amz-tagging"


@pytest.mark.parametrize("make", [signed, presigned], ids=["header", "query"])
def test_x_amz_headers_present_when_signing_are_accepted(make: Any) -> None:
    ctx = auth(make(headers={"x-amz-meta-owner": "alice", "x-amz-tagging": "a=b"}))
    assert "x-amz-meta-owner" in ctx.signed_headers


def test_headers_that_are_not_x_amz_may_stay_unsigned() -> None:
    req = with_header(with_header(presigned(), "x-amzn-trace-id", "Root=1"), "user-agent", "u")
    assert auth(with_header(req, "content-type", "text/plain")).scheme == "sigv4-presigned"


def test_presigned_payload_hash_header_is_covered_by_the_canonical_request() -> None:
    """x-amz-content-sha256 is the canonical request's last line even when unsigned: a
    client may send it with a presigned URL, and changing it breaks the signature."""
    req = presigned("GET")
    assert auth(with_header(req, "x-amz-content-sha256", "UNSIGNED-PAYLOAD")).scheme
    other = with_header(req, "x-amz-content-sha256", "a" * 64)
    assert error_of(other).code == "SignatureDoesNotMatch"


def test_presigned_x_amz_date_header_is_not_covered() -> None:
    err = error_of(with_header(presigned("GET"), "x-amz-date", "20990101T000000Z"))
    assert err.extra["HeadersNotSigned"] == "x-amz-date"


def test_sigv2_signs_every_x_amz_header_header_and_query() -> None:
    """SigV2's string to sign lists all x-amz-* headers: adding one breaks it."""
    request = AWSRequest("PUT", f"{ENDPOINT}/public/upload", headers={"x-amz-meta-a": "1"})
    HmacV1Auth(CREDS).add_auth(request)
    req = from_botocore(request)
    assert auth(req).scheme == "sigv2"
    assert "x-amz-meta-a:1" in error_of(with_header(req, "x-amz-acl", "x")).extra["StringToSign"]
    err = error_of(with_header(req, "x-amz-copy-source", "/private/secret"))
    assert err.code == "SignatureDoesNotMatch"
    request = AWSRequest("PUT", f"{ENDPOINT}/public/upload")
    HmacV1QueryAuth(CREDS, expires=300).add_auth(request)
    req = from_botocore(request)
    assert auth(req).scheme == "sigv2-presigned"
    err = error_of(with_header(req, "x-amz-copy-source", "/private/secret"))
    assert err.code == "SignatureDoesNotMatch"
    assert "x-amz-copy-source:/private/secret" in err.extra["StringToSign"]


# --- credential scope: service and region ---------------------------------------------


def header_signed(service: str, region: str, target: str = "/bucket/key") -> RequestView:
    request = AWSRequest("GET", ENDPOINT + target)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(CREDS, service, region).add_auth(request)
    return from_botocore(request)


@pytest.mark.parametrize("service", ["iam", "sts", "ec2", "execute-api"])
def test_s3_refuses_a_scope_for_another_service(service: str) -> None:
    err = error_of(header_signed(service, "us-east-1"))
    assert (err.code, err.http_status) == ("AuthorizationHeaderMalformed", 400)
    assert f"incorrect service '{service}'. This endpoint belongs to 's3'." in err.text
    request = AWSRequest("GET", ENDPOINT + "/bucket/key")
    S3SigV4QueryAuth(CREDS, service, "us-east-1", expires=60).add_auth(request)
    err = error_of(from_botocore(request))
    assert err.code == "AuthorizationQueryParametersError"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "us-west-2"])
def test_s3_refuses_any_region_but_the_servers(region: str) -> None:
    """us-east-1 included: only IAM signs there whatever the server's region."""
    assert auth(header_signed("s3", region), server_region=region).scheme == "sigv4"
    err = error_of(header_signed("s3", region), server_region="eu-central-1")
    assert (err.code, err.extra["Region"]) == ("AuthorizationHeaderMalformed", "eu-central-1")


def test_iam_endpoint_takes_iam_scopes_in_us_east_1_or_the_server_region() -> None:
    body_view = header_signed("iam", "us-east-1", "/")
    assert auth(body_view, service="iam", body=b"").service == "iam"
    in_server_region = header_signed("iam", "eu-west-1", "/")
    assert auth(in_server_region, server_region="eu-west-1", service="iam", body=b"").access_key
    err = error_of(header_signed("iam", "ap-south-1", "/"), service="iam", body=b"")
    assert (err.code, err.extra["Region"]) == ("AuthorizationHeaderMalformed", "us-east-1")
    for other in ("s3", "sts"):
        err = error_of(header_signed(other, "us-east-1", "/"), service="iam", body=b"")
        assert f"incorrect service '{other}'. This endpoint belongs to 'iam'." in err.text
