"""Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.s3.helpers import expect_error, key_path, raw_request, unique
from tests.servers import GrenierServer, S3Endpoint


def test_create_list_delete_bucket(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    name = unique("bk")
    resp = s3.create_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    listed = s3.list_buckets()
    names = [b["Name"] for b in listed["Buckets"]]
    assert name in names
    entry = next(b for b in listed["Buckets"] if b["Name"] == name)
    assert entry["CreationDate"] is not None
    assert "Owner" in listed
    resp = s3.delete_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "name",
    [
        "ab",  # too short
        "a" * 64,  # too long
        "UPPER",
        "a_b",
        "192.168.1.1",  # formatted as an IP address
        "xn--abc",  # reserved prefix
        "-abc",
        "abc-",
        "a..b",
        "abc.",
        "abc-s3alias",  # reserved suffix
    ],
)
def test_create_bucket_invalid_name(grenier: GrenierServer, name: str) -> None:
    # Grenier only: moto accepts most of these names; the AWS bucket naming rules reject them.
    s3 = grenier.client()
    with expect_error("InvalidBucketName", 400):
        s3.create_bucket(Bucket=name)


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-1", "0-numbers-first"])
def test_create_bucket_valid_edge_names(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    try:
        assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        s3.delete_bucket(Bucket=name)


def test_create_bucket_already_owned(s3: Any, bucket: str) -> None:
    # AWS answers 409 BucketAlreadyOwnedByYou in every region except us-east-1, where a
    # legacy 200 remains; Grenier (like MinIO) always reports the conflict.
    with expect_error("BucketAlreadyOwnedByYou", 409):
        s3.create_bucket(Bucket=bucket)


def test_delete_bucket_not_empty(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    name = unique("bk")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with expect_error("BucketNotEmpty", 409):
        s3.delete_bucket(Bucket=name)
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)


def test_delete_bucket_missing(any_s3: S3Endpoint) -> None:
    with expect_error("NoSuchBucket", 404):
        any_s3.client().delete_bucket(Bucket=unique("missing"))


def test_head_bucket(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    name = unique("bk")
    s3.create_bucket(Bucket=name)
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    # A HEAD error has no body, so botocore can only report the status as the code.
    with expect_error("404", 404):
        s3.head_bucket(Bucket=unique("missing"))


def test_head_bucket_missing_raw_has_no_body(grenier: GrenierServer) -> None:
    resp = raw_request(grenier, "HEAD", key_path(unique("missing")))
    assert resp.status == 404
    assert resp.body == b""
    assert resp.header("x-amz-request-id")


def test_get_bucket_location(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    name = unique("bk")
    s3.create_bucket(Bucket=name)
    # us-east-1 is reported as an empty LocationConstraint (null), per the API reference.
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    with expect_error("NoSuchBucket", 404):
        s3.get_bucket_location(Bucket=unique("missing"))


def test_bucket_operations_on_missing_bucket(s3: Any) -> None:
    name = unique("missing")
    with expect_error("NoSuchBucket", 404):
        s3.list_objects_v2(Bucket=name)
    with expect_error("NoSuchBucket", 404):
        s3.put_object(Bucket=name, Key="k", Body=b"x")
    with expect_error("NoSuchBucket", 404):
        s3.get_object(Bucket=name, Key="k")
