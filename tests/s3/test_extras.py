"""GetObjectAttributes and ListBuckets pagination (newer SDK features)."""

from __future__ import annotations

import uuid

from tests.s3.helpers import expect_error
from tests.servers import GrenierServer


def test_get_object_attributes(grenier: GrenierServer, bucket: str) -> None:
    s3 = grenier.client()
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789", ChecksumAlgorithm="SHA256")
    attrs = s3.get_object_attributes(
        Bucket=bucket, Key="k", ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass"]
    )
    assert attrs["ETag"] == put["ETag"].strip('"')
    assert attrs["ObjectSize"] == 10
    assert attrs["StorageClass"] == "STANDARD"
    assert attrs["Checksum"]["ChecksumSHA256"] == put["ChecksumSHA256"]


def test_get_object_attributes_parts(grenier: GrenierServer, bucket: str) -> None:
    s3 = grenier.client()
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = []
    for number, body in ((1, b"a" * (5 << 20)), (2, b"b" * 7)):
        etag = s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=body
        )
        parts.append({"PartNumber": number, "ETag": etag["ETag"]})
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    attrs = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 2
    assert [p["Size"] for p in attrs["ObjectParts"]["Parts"]] == [5 << 20, 7]


def test_get_object_attributes_missing_key(grenier: GrenierServer, bucket: str) -> None:
    with expect_error("NoSuchKey", 404):
        grenier.client().get_object_attributes(Bucket=bucket, Key="nope", ObjectAttributes=["ETag"])


def test_list_buckets_pagination(grenier: GrenierServer) -> None:
    s3 = grenier.client()
    tag = uuid.uuid4().hex[:8]
    names = [f"pg-{tag}-{i}" for i in range(3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(Prefix=f"pg-{tag}", MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    rest = s3.list_buckets(
        Prefix=f"pg-{tag}", MaxBuckets=2, ContinuationToken=first["ContinuationToken"]
    )
    assert [b["Name"] for b in rest["Buckets"]] == names[2:]
    assert "ContinuationToken" not in rest


def test_unconfigured_bucket_subresources(grenier: GrenierServer, bucket: str) -> None:
    s3 = grenier.client()
    with expect_error("ServerSideEncryptionConfigurationNotFoundError", 404):
        s3.get_bucket_encryption(Bucket=bucket)
    with expect_error("ObjectLockConfigurationNotFoundError", 404):
        s3.get_object_lock_configuration(Bucket=bucket)
    with expect_error("NoSuchWebsiteConfiguration", 404):
        s3.get_bucket_website(Bucket=bucket)
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    with expect_error("NotImplemented", 501):
        s3.put_bucket_website(
            Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}}
        )
    with expect_error("NoSuchBucket", 404):
        s3.get_bucket_encryption(Bucket=bucket + "-missing")
