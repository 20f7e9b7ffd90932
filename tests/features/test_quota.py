"""Hard bucket quotas: set through the admin API, refused before acknowledged, and held
under concurrency; versions count; the stored parts of incomplete multipart uploads
count from the moment they are stored (released at abort, become the object's bytes at
completion)."""

from __future__ import annotations

import concurrent.futures
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from grenier.client.admin_api import AdminApi
from grenier.client.config import Alias
from grenier.client.errors import ClientError as CliError
from tests.features.conftest import error_of
from tests.servers import GrenierServer

QUOTA_CODE = ("XMinioAdminBucketQuotaExceeded", 400)


def admin(server: GrenierServer, secret: str | None = None) -> AdminApi:
    alias = Alias("t", server.endpoint, server.access_key, secret or server.secret_key)
    return AdminApi(alias)


def test_admin_quota_round_trip(grenier: GrenierServer, s3: Any, bucket: str) -> None:
    api = admin(grenier)
    assert api.get_quota(bucket)["quota"] is None
    assert api.set_quota(bucket, 1000)["quota"] == 1000
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 100)
    doc = api.get_quota(bucket)
    assert (doc["quota"], doc["quotatype"], doc["size"], doc["objects"]) == (1000, "hard", 100, 1)
    usage = api.usage(bucket)
    assert usage["buckets"] == [
        {
            "bucket": bucket,
            "account": "default",
            "size": 100,
            "objects": 1,
            "uploading": 0,
            "quota": 1000,
        }
    ]
    assert any(b["bucket"] == bucket for b in api.usage()["buckets"])
    assert api.clear_quota(bucket)["quota"] is None
    with pytest.raises(CliError) as exc:
        api.get_quota("no-such-bucket-here")
    assert exc.value.code == "NoSuchBucket"


def test_admin_api_needs_root(grenier: GrenierServer, bucket: str) -> None:
    with pytest.raises(CliError) as exc:
        admin(grenier, secret="wrong-secret-key").get_quota(bucket)
    assert exc.value.code == "SignatureDoesNotMatch"


def test_put_refused_past_quota(grenier: GrenierServer, s3: Any, bucket: str) -> None:
    admin(grenier).set_quota(bucket, 1000)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 600)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="b", Body=b"x" * 500)
    assert error_of(exc) == QUOTA_CODE
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="b")
    # An overwrite frees the old bytes of an unversioned key.
    s3.put_object(Bucket=bucket, Key="a", Body=b"y" * 1000)
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"y" * 1000
    # Copies count too.
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "a"})
    assert error_of(exc) == QUOTA_CODE


def test_versions_count_toward_usage(grenier: GrenierServer, s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    admin(grenier).set_quota(bucket, 1000)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 400)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 400)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 400)
    assert error_of(exc) == QUOTA_CODE
    assert admin(grenier).get_quota(bucket)["size"] == 800


def test_incomplete_multipart_parts_count_against_the_quota(
    grenier: GrenierServer, s3: Any, bucket: str
) -> None:
    """Issue 12 item 8: 13 parts of 900 KiB used to be accepted under a 1 MiB quota."""
    api = admin(grenier)
    api.set_quota(bucket, 1024 * 1024)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    accepted, refused = [], []
    for number in range(1, 14):
        try:
            s3.upload_part(
                Bucket=bucket, Key="mp", UploadId=up, PartNumber=number, Body=b"p" * 900 * 1024
            )
            accepted.append(number)
        except ClientError as exc:
            response = exc.response
            refused.append(
                (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"])
            )
    assert accepted == [1] and refused == [QUOTA_CODE] * 12
    doc = api.get_quota(bucket)
    assert (doc["size"], doc["objects"], doc["uploading"]) == (0, 0, 900 * 1024)
    with pytest.raises(ClientError) as exc:  # other writes see the parts too
        s3.put_object(Bucket=bucket, Key="other", Body=b"x" * 200 * 1024)
    assert error_of(exc) == QUOTA_CODE
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=up)
    assert api.get_quota(bucket)["uploading"] == 0
    s3.put_object(Bucket=bucket, Key="other", Body=b"x" * 200 * 1024)


def test_multipart_usage_is_exact_at_completion(
    grenier: GrenierServer, s3: Any, bucket: str
) -> None:
    part = 5 * 1024 * 1024
    api = admin(grenier)
    api.set_quota(bucket, part + 1000)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=b"a" * part)
    with pytest.raises(ClientError) as exc:  # refused before its body is read
        s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=up, PartNumber=3, Body=b"c" * (part + 1001)
        )
    assert error_of(exc) == QUOTA_CODE
    with pytest.raises(ClientError) as exc:  # the stored part counts: this one cannot fit
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=b"b" * 2000)
    assert error_of(exc) == QUOTA_CODE
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=b"b" * 900)
    # Re-sending a part replaces its bytes: it fits even at the limit.
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=b"B" * 900)
    assert api.get_quota(bucket)["uploading"] == part + 900
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=up,
        MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1["ETag"]}, {"PartNumber": 2, "ETag": e2["ETag"]}]
        },
    )
    doc = api.get_quota(bucket)
    assert (doc["size"], doc["objects"], doc["uploading"]) == (part + 900, 1, 0)
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"a" * part + b"B" * 900


def test_concurrent_uploads_never_exceed_quota(grenier: GrenierServer, bucket: str) -> None:
    quota, size = 100_000, 7_000
    admin(grenier).set_quota(bucket, quota)
    filler = grenier.client()
    filler.put_object(Bucket=bucket, Key="filler", Body=b"f" * (quota - 5 * size - 10))
    client = grenier.client(max_pool_connections=50)

    def upload(i: int) -> str:
        body = os.urandom(size + (200_000 if i % 10 == 0 else 0))  # some also stream to disk
        try:
            client.put_object(Bucket=bucket, Key=f"obj-{i}", Body=body)
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        return "ok"

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(upload, range(50)))
    assert results.count("ok") == 5
    assert set(results) == {"ok", "XMinioAdminBucketQuotaExceeded"}
    doc = admin(grenier).get_quota(bucket)
    assert doc["size"] <= quota
    listed = filler.list_objects_v2(Bucket=bucket)
    assert sum(o["Size"] for o in listed["Contents"]) == doc["size"]
