"""Routing: every request shape from the AWS API reference maps to one operation."""

from __future__ import annotations

import pytest

from grenier.s3.errors import S3Error
from grenier.s3.router import Target, resolve, split_target


@pytest.mark.parametrize(
    ("raw", "bucket", "key"),
    [
        ("/", None, None),
        ("/bkt", "bkt", None),
        ("/bkt/", "bkt", None),
        ("/bkt/a//b", "bkt", "a//b"),
        ("/bkt/a/../b", "bkt", "a/../b"),
        ("/bkt/dir/", "bkt", "dir/"),
        ("/bkt/a%20b%2Bc+d", "bkt", "a b+c+d"),
        ("/bkt/%C3%A9t%C3%A9", "bkt", "été"),
    ],
)
def test_path_style_keys_are_never_normalised(
    raw: str, bucket: str | None, key: str | None
) -> None:
    assert split_target(raw, "127.0.0.1:9000", None) == Target(bucket, key)


def test_virtual_host_style() -> None:
    target = split_target("/a/b", "data.example.org:9000", "example.org")
    assert (target.bucket, target.key, target.virtual) == ("data", "a/b", True)
    assert split_target("/data/x", "example.org", "example.org") == Target("data", "x")


CASES = [
    ("GET", None, None, {}, {}, "ListBuckets"),
    ("PUT", "b", None, {}, {}, "CreateBucket"),
    ("DELETE", "b", None, {}, {}, "DeleteBucket"),
    ("HEAD", "b", None, {}, {}, "HeadBucket"),
    ("GET", "b", None, {"location": ""}, {}, "GetBucketLocation"),
    ("GET", "b", None, {}, {}, "ListObjects"),
    ("GET", "b", None, {"list-type": "2"}, {}, "ListObjectsV2"),
    ("GET", "b", None, {"versions": ""}, {}, "ListObjectVersions"),
    ("GET", "b", None, {"uploads": ""}, {}, "ListMultipartUploads"),
    ("PUT", "b", None, {"versioning": ""}, {}, "PutBucketVersioning"),
    ("GET", "b", None, {"policy": ""}, {}, "GetBucketPolicy"),
    ("GET", "b", None, {"policyStatus": ""}, {}, "GetBucketPolicyStatus"),
    ("DELETE", "b", None, {"cors": ""}, {}, "DeleteBucketCors"),
    ("PUT", "b", None, {"lifecycle": ""}, {}, "PutBucketLifecycleConfiguration"),
    ("POST", "b", None, {"delete": ""}, {}, "DeleteObjects"),
    ("POST", "b", None, {}, {"content-type": "multipart/form-data; boundary=x"}, "PostObject"),
    ("GET", "b", "k", {}, {}, "GetObject"),
    ("HEAD", "b", "k", {}, {}, "HeadObject"),
    ("PUT", "b", "k", {}, {}, "PutObject"),
    ("PUT", "b", "k", {}, {"x-amz-copy-source": "/b/src"}, "CopyObject"),
    ("DELETE", "b", "k", {}, {}, "DeleteObject"),
    ("POST", "b", "k", {"uploads": ""}, {}, "CreateMultipartUpload"),
    ("PUT", "b", "k", {"partNumber": "1", "uploadId": "u"}, {}, "UploadPart"),
    (
        "PUT",
        "b",
        "k",
        {"partNumber": "1", "uploadId": "u"},
        {"x-amz-copy-source": "b/s"},
        "UploadPartCopy",
    ),
    ("POST", "b", "k", {"uploadId": "u"}, {}, "CompleteMultipartUpload"),
    ("DELETE", "b", "k", {"uploadId": "u"}, {}, "AbortMultipartUpload"),
    ("GET", "b", "k", {"uploadId": "u"}, {}, "ListParts"),
    ("GET", "b", "k", {"tagging": ""}, {}, "GetObjectTagging"),
    ("PUT", "b", "k", {"acl": ""}, {}, "PutObjectAcl"),
    ("DELETE", "b", "k", {"tagging": ""}, {}, "DeleteObjectTagging"),
    ("GET", "b", "k", {"attributes": ""}, {}, "GetObjectAttributes"),
]


@pytest.mark.parametrize(("method", "bucket", "key", "query", "headers", "operation"), CASES)
def test_operation(
    method: str,
    bucket: str | None,
    key: str | None,
    query: dict[str, str],
    headers: dict[str, str],
    operation: str,
) -> None:
    assert resolve(method, Target(bucket, key), query, headers) == operation


def test_unknown_method_is_method_not_allowed() -> None:
    with pytest.raises(S3Error) as info:
        resolve("PATCH", Target("b", "k"), {}, {})
    assert info.value.code == "MethodNotAllowed"
    assert info.value.http_status == 405


def test_undecodable_key_is_invalid_uri() -> None:
    with pytest.raises(S3Error) as info:
        split_target("/b/%FF%FE", "h", None)
    assert info.value.code == "InvalidURI"
