"""POST Object: browser form uploads with boto3's generate_presigned_post."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.servers import GrenierServer


@pytest.fixture(params=["s3v4", "s3"])
def signer(request: pytest.FixtureRequest, grenier: GrenierServer) -> Any:
    """A client whose generate_presigned_post signs with SigV4 or SigV2."""
    return grenier.client(signature_version=request.param)


def post(presigned: dict[str, Any], data: bytes, name: str = "hello.txt", **extra: str) -> Any:
    fields = {**presigned["fields"], **extra}
    return requests.post(presigned["url"], data=fields, files={"file": (name, data)}, timeout=30)


def test_presigned_post_success(s3: Any, signer: Any, bucket: str) -> None:
    presigned = signer.generate_presigned_post(bucket, "uploads/${filename}", ExpiresIn=300)
    resp = post(presigned, b"hello browser")
    assert resp.status_code == 204, resp.text
    assert resp.headers["ETag"] == '"' + hashlib.md5(b"hello browser").hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"hello browser"


def test_status_201_redirect_and_metadata(s3: Any, signer: Any, bucket: str) -> None:
    fields = {"success_action_status": "201", "Content-Type": "text/csv", "x-amz-meta-run": "42"}
    conditions = [
        {"success_action_status": "201"},
        ["starts-with", "$Content-Type", "text/"],
        {"x-amz-meta-run": "42"},
    ]
    presigned = signer.generate_presigned_post(
        bucket, "a.csv", Fields=fields, Conditions=conditions
    )
    resp = post(presigned, b"x,y\n1,2\n")
    assert resp.status_code == 201, resp.text
    assert "<Key>a.csv</Key>" in resp.text and f"<Bucket>{bucket}</Bucket>" in resp.text
    head = s3.head_object(Bucket=bucket, Key="a.csv")
    assert head["ContentType"] == "text/csv" and head["Metadata"] == {"run": "42"}
    target = "https://app.example.org/done"
    presigned = signer.generate_presigned_post(
        bucket,
        "b.txt",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    resp = requests.post(
        presigned["url"],
        data=presigned["fields"],
        files={"file": ("b.txt", b"b")},
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith(target + "?bucket=" + bucket + "&key=b.txt&etag=")


def test_policy_violations(s3: Any, signer: Any, bucket: str) -> None:
    limited = signer.generate_presigned_post(
        bucket, "small", Conditions=[["content-length-range", 1, 10]]
    )
    resp = post(limited, b"x" * 11)
    assert resp.status_code == 400 and "<Code>EntityTooLarge</Code>" in resp.text
    resp = post(limited, b"")
    assert resp.status_code == 400 and "<Code>EntityTooSmall</Code>" in resp.text
    presigned = signer.generate_presigned_post(bucket, "fixed")
    resp = post({**presigned, "fields": {**presigned["fields"], "key": "other"}}, b"x")
    assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text
    assert "Policy Condition failed" in resp.text
    resp = post(presigned, b"x", **{"x-amz-meta-extra": "1"})
    assert resp.status_code == 403 and "Extra input fields" in resp.text
    expired = signer.generate_presigned_post(bucket, "late", ExpiresIn=-10)
    resp = post(expired, b"x")
    assert resp.status_code == 403 and "Policy expired" in resp.text
    sig_field = "x-amz-signature" if "x-amz-signature" in presigned["fields"] else "signature"
    forged = {**presigned, "fields": {**presigned["fields"], sig_field: "AAAA" + "0" * 60}}
    resp = post(forged, b"x")
    assert resp.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in resp.text
    no_file = {"x-ignore-pad": (None, "1")}  # multipart, but without a file part
    resp = requests.post(presigned["url"], data=presigned["fields"], files=no_file, timeout=30)
    assert resp.status_code == 400
    assert "<Code>IncorrectNumberOfFilesInPostRequest</Code>" in resp.text
    for key in ("small", "fixed", "other", "late"):
        assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=key)


def test_unknown_signer_and_anonymous(grenier: GrenierServer, s3: Any, bucket: str) -> None:
    stranger = GrenierServer(
        name="x", endpoint=grenier.endpoint, access_key="nobody", secret_key="nobody-secret"
    ).client()
    resp = post(stranger.generate_presigned_post(bucket, "k"), b"x")
    assert resp.status_code == 403 and "<Code>InvalidAccessKeyId</Code>" in resp.text
    resp = requests.post(
        f"{grenier.endpoint}/{bucket}",
        data={"key": "anon"},
        files={"file": ("a", b"x")},
        timeout=30,
    )
    assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text


def test_sigv2_form(grenier: GrenierServer, s3: Any, bucket: str) -> None:
    expiration = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = {
        "expiration": expiration,
        "conditions": [{"bucket": bucket}, ["starts-with", "$key", "v2/"], {"acl": "private"}],
    }
    b64 = base64.b64encode(json.dumps(policy).encode()).decode()
    sig = base64.b64encode(hmac.digest(grenier.secret_key.encode(), b64.encode(), "sha1")).decode()
    fields = {
        "key": "v2/${filename}",
        "acl": "private",
        "AWSAccessKeyId": grenier.access_key,
        "policy": b64,
        "signature": sig,
    }
    resp = requests.post(
        f"{grenier.endpoint}/{bucket}", data=fields, files={"file": ("f.bin", b"v2!")}, timeout=30
    )
    assert resp.status_code == 204, resp.text
    assert s3.get_object(Bucket=bucket, Key="v2/f.bin")["Body"].read() == b"v2!"


def test_post_into_versioned_bucket_and_quota(
    grenier: GrenierServer, signer: Any, vbucket: str
) -> None:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    presigned = signer.generate_presigned_post(vbucket, "k")
    resp = post(presigned, b"one")
    assert resp.status_code == 204 and resp.headers["x-amz-version-id"] not in ("", "null")
    AdminApi(Alias("t", grenier.endpoint, grenier.access_key, grenier.secret_key)).set_quota(
        vbucket, 5
    )
    resp = post(presigned, b"too big")
    assert resp.status_code == 400 and "XMinioAdminBucketQuotaExceeded" in resp.text
