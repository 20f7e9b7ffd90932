"""Only what was signed is honoured: unsigned x-amz-* headers, unsigned admin bodies and
signatures scoped to another service or region are refused by the real server."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
import requests
from botocore.auth import HmacV1Auth, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.access.conftest import uid
from tests.servers import GrenierServer

NOT_SIGNED = "There were headers present in the request which were not signed"


def error(resp: requests.Response) -> tuple[int, str, str]:
    """(status, Code, Message) of an S3 error response (its body must be S3 XML)."""
    root = ET.fromstring(resp.content)
    assert root.tag == "Error", resp.content
    return resp.status_code, root.findtext("Code") or "", root.findtext("Message") or ""


def presigner(grenier: GrenierServer, version: str = "s3v4") -> Any:
    return boto3.client(
        "s3",
        endpoint_url=grenier.endpoint,
        aws_access_key_id=grenier.access_key,
        aws_secret_access_key=grenier.secret_key,
        region_name="us-east-1",
        config=Config(signature_version=version, s3={"addressing_style": "path"}),
    )


def header_signed(
    grenier: GrenierServer,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    service: str = "s3",
    region: str = "us-east-1",
    payload: str | None = None,
) -> AWSRequest:
    """A request signed by botocore: S3's signer, or (for other services, or to declare
    ``payload`` as x-amz-content-sha256) the generic one, as the admin client does."""
    request = AWSRequest(method, grenier.endpoint + path, data=body, headers=headers or {})
    if payload is not None:
        request.headers["X-Amz-Content-SHA256"] = payload
    creds = Credentials(grenier.access_key, grenier.secret_key)
    signer = S3SigV4Auth if service == "s3" and payload is None else SigV4Auth
    signer(creds, service, region).add_auth(request)
    return request


def send(request: AWSRequest, *, body: bytes | None = None, extra: dict[str, str] | None = None) -> requests.Response:  # fmt: skip
    """Send a signed request, optionally with another body or extra (unsigned) headers."""
    headers = dict(request.headers.items())
    headers.update(extra or {})
    data = request.body if body is None else body
    return requests.request(request.method, request.url, data=data, headers=headers, timeout=30)


@pytest.fixture
def public_and_private(root_s3: Any) -> tuple[str, str]:
    """A bucket anyone may read, and a private one holding a secret."""
    public, private = uid("pub"), uid("priv")
    for name in (public, private):
        root_s3.create_bucket(Bucket=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{public}/*"],
            }
        ],
    }
    root_s3.put_bucket_policy(Bucket=public, Policy=json.dumps(policy))
    root_s3.put_object(Bucket=private, Key="secret", Body=b"top secret")
    return public, private


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_upload_url_cannot_become_a_copy(grenier: GrenierServer, public_and_private: tuple[str, str], version: str) -> None:  # fmt: skip
    """The attack: the holder of an upload URL for a public bucket adds an unsigned
    x-amz-copy-source naming a private object, then reads the copy anonymously."""
    public, private = public_and_private
    url = presigner(grenier, version).generate_presigned_url(
        "put_object", Params={"Bucket": public, "Key": "upload"}, ExpiresIn=300
    )
    resp = requests.put(url, data=b"", headers={"x-amz-copy-source": f"/{private}/secret"})
    if version == "s3v4":
        assert error(resp) == (403, "AccessDenied", NOT_SIGNED)
        assert b"<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>" in resp.content
    else:  # SigV2 signs every x-amz-* header: the signature no longer matches
        assert error(resp)[:2] == (403, "SignatureDoesNotMatch")
    anonymous = requests.get(f"{grenier.endpoint}/{public}/upload", timeout=10)
    assert anonymous.status_code == 404 and b"top secret" not in anonymous.content
    # The URL still does what it was signed for.
    assert requests.put(url, data=b"mine", timeout=10).status_code == 200
    assert requests.get(f"{grenier.endpoint}/{public}/upload", timeout=10).content == b"mine"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-amz-tagging", "owner=mallory"),
        ("x-amz-meta-owner", "mallory"),
        ("x-amz-website-redirect-location", "/elsewhere"),
        ("x-amz-acl", "public-read"),
        ("x-amz-storage-class", "STANDARD_IA"),
    ],
)
def test_header_signed_put_with_an_unsigned_header_is_refused(grenier: GrenierServer, root_s3: Any, fresh_bucket: str, name: str, value: str) -> None:  # fmt: skip
    request = header_signed(grenier, "PUT", f"/{fresh_bucket}/k", body=b"data")
    resp = send(request, extra={name: value})
    assert error(resp) == (403, "AccessDenied", NOT_SIGNED)
    assert f"<HeadersNotSigned>{name}</HeadersNotSigned>".encode() in resp.content
    assert root_s3.list_objects_v2(Bucket=fresh_bucket).get("KeyCount") == 0
    assert send(request).status_code == 200  # as signed, it works


def test_presigned_put_with_signed_metadata_and_an_unsigned_checksum(grenier: GrenierServer, root_s3: Any, fresh_bucket: str) -> None:  # fmt: skip
    url = presigner(grenier).generate_presigned_url(
        "put_object",
        Params={"Bucket": fresh_bucket, "Key": "k", "Metadata": {"owner": "alice"}},
        ExpiresIn=300,
    )
    # As AWS does: a checksum header the URL's signer did not sign is refused.
    resp = requests.put(
        url, data=b"x", headers={"x-amz-meta-owner": "alice", "x-amz-checksum-crc32": "jNRCtw=="}
    )
    assert error(resp) == (403, "AccessDenied", NOT_SIGNED)
    resp = requests.put(url, data=b"x", headers={"x-amz-meta-owner": "alice"})
    assert resp.status_code == 200
    head = root_s3.head_object(Bucket=fresh_bucket, Key="k")
    assert head["Metadata"] == {"owner": "alice"}


# --- admin bodies ---------------------------------------------------------------------


def iam_form(action: str, **params: str) -> bytes:
    return urlencode({"Action": action, "Version": "2010-05-08", **params}).encode()


def iam_users(iam: Any) -> set[str]:
    return {u["UserName"] for u in iam.list_users()["Users"]}


def test_iam_body_swapped_after_signing_creates_nothing(grenier: GrenierServer, iam: Any) -> None:
    name = uid("swapped")
    list_users = iam_form("ListUsers")
    create = iam_form("CreateUser", UserName=name)
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    for payload in ("UNSIGNED-PAYLOAD", None, hashlib.sha256(list_users).hexdigest()):
        request = header_signed(
            grenier, "POST", "/", body=list_users, headers=form, service="iam", payload=payload
        )
        resp = send(request, body=create)
        assert resp.status_code in (400, 403), resp.text
        assert name not in iam_users(iam)
        if payload is None:  # the body's hash is in the signature
            assert b"SignatureDoesNotMatch" in resp.content
        elif payload != "UNSIGNED-PAYLOAD":  # the declared hash is not the body's
            assert b"XAmzContentSHA256Mismatch" in resp.content
    # Even with its own body, an unsigned or streaming payload is refused.
    for payload in ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"):
        request = header_signed(
            grenier, "POST", "/", body=create, headers=form, service="iam", payload=payload
        )
        resp = send(request)
        assert resp.status_code == 403 and b"AccessDenied" in resp.content, resp.text
        assert name not in iam_users(iam)
    request = header_signed(grenier, "POST", "/", body=create, headers=form, service="iam")
    assert send(request).status_code == 200
    assert name in iam_users(iam)


def test_admin_api_body_must_be_signed(grenier: GrenierServer, root_s3: Any, fresh_bucket: str) -> None:  # fmt: skip
    path = f"/grenier/admin/v1/quota?bucket={fresh_bucket}"
    body = json.dumps({"quota": 1024, "quotatype": "hard"}).encode()
    evil = json.dumps({"quota": 1, "quotatype": "hard"}).encode()
    unsigned = header_signed(grenier, "PUT", path, body=body, payload="UNSIGNED-PAYLOAD")
    resp = send(unsigned, body=evil)
    assert (resp.status_code, resp.json()["Code"]) == (403, "AccessDenied")
    signed = header_signed(
        grenier, "PUT", path, body=body, payload=hashlib.sha256(body).hexdigest()
    )
    resp = send(signed, body=evil)
    assert (resp.status_code, resp.json()["Code"]) == (400, "XAmzContentSHA256Mismatch")
    get = header_signed(grenier, "GET", path, payload=hashlib.sha256(b"").hexdigest())
    assert send(get).json()["quota"] is None
    resp = send(signed)
    assert (resp.status_code, resp.json()["quota"]) == (200, 1024)
    # Presigned URLs and SigV2 sign no body: refused, even for a GET.
    creds = Credentials(grenier.access_key, grenier.secret_key)
    for signer in (S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=60), HmacV1Auth(creds)):
        request = AWSRequest("GET", grenier.endpoint + path)
        signer.add_auth(request)
        resp = send(request)
        assert (resp.status_code, resp.json()["Code"]) == (403, "AccessDenied")
        assert "must be signed with SigV4" in resp.json()["Message"]


# --- credential scope -----------------------------------------------------------------


@pytest.mark.parametrize(("service", "region"), [("iam", "us-east-1"), ("sts", "us-east-1"), ("s3", "eu-west-1"), ("iam", "eu-west-1")])  # fmt: skip
def test_s3_refuses_signatures_for_another_service_or_region(grenier: GrenierServer, fresh_bucket: str, service: str, region: str) -> None:  # fmt: skip
    request = header_signed(grenier, "GET", f"/{fresh_bucket}", service=service, region=region)
    status, code, message = error(send(request))
    assert (status, code) == (400, "AuthorizationHeaderMalformed")
    assert (f"incorrect service '{service}'" if service != "s3" else "is wrong") in message


def test_iam_refuses_signatures_for_s3_or_another_region(grenier: GrenierServer) -> None:
    body = iam_form("ListUsers")
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    ok = header_signed(grenier, "POST", "/", body=body, headers=form, service="iam")
    assert send(ok).status_code == 200
    far = header_signed(
        grenier, "POST", "/", body=body, headers=form, service="iam", region="ap-south-1"
    )
    resp = send(far)
    assert resp.status_code == 400 and b"'ap-south-1' is wrong" in resp.content
    iam = boto3.client(
        "iam",
        endpoint_url=grenier.endpoint,
        aws_access_key_id=grenier.access_key,
        aws_secret_access_key=grenier.secret_key,
        region_name="eu-west-1",
    )
    with pytest.raises(ClientError) as err:
        iam.list_users()
    assert err.value.response["Error"]["Code"] == "AuthorizationHeaderMalformed"
