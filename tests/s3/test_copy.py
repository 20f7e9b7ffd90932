"""CopyObject: metadata directives, copy-source preconditions, self-copy rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.s3.helpers import etag_of, expect_error, unique
from tests.servers import S3Endpoint

BODY = b"copy me, byte for byte \x00\xff"


def _source(s3: Any, bucket: str, key: str = "src") -> str:
    return s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=BODY,
        ContentType="text/x-source",
        Metadata={"origin": "src"},
    )["ETag"]


def test_copy_default_directive_copies_metadata(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    _source(s3, bucket)
    resp = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert resp["CopyObjectResult"]["ETag"] == etag_of(BODY)
    assert resp["CopyObjectResult"]["LastModified"] is not None
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == BODY
    assert got["ContentType"] == "text/x-source"
    assert got["Metadata"] == {"origin": "src"}
    assert got["ETag"] == etag_of(BODY)


def test_copy_directive_copy_ignores_new_metadata(s3: Any, bucket: str) -> None:
    _source(s3, bucket)
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="COPY",
        Metadata={"ignored": "yes"},
    )
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"origin": "src"}


def test_copy_directive_replace(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    _source(s3, bucket)
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"fresh": "1"},
        ContentType="application/json",
    )
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"fresh": "1"}
    assert head["ContentType"] == "application/json"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == BODY
    # The source is untouched.
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"origin": "src"}


def test_copy_across_buckets_and_special_keys(s3: Any, bucket: str) -> None:
    other = unique()
    s3.create_bucket(Bucket=other)
    key = "dir with space/été+%2F?x=1#frag"
    _source(s3, bucket, key)
    s3.copy_object(Bucket=other, Key="dst/" + key, CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=other, Key="dst/" + key)["Body"].read() == BODY


def test_copy_missing_source(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    with expect_error("NoSuchKey", 404):
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    with expect_error("NoSuchBucket", 404):
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": unique(), "Key": "k"})


def test_copy_source_preconditions(s3: Any, bucket: str) -> None:
    etag = _source(s3, bucket)
    src = {"Bucket": bucket, "Key": "src"}
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    failing: list[dict[str, Any]] = [
        {"CopySourceIfMatch": '"00000000000000000000000000000000"'},
        {"CopySourceIfNoneMatch": etag},
        {"CopySourceIfModifiedSince": future},
        {"CopySourceIfUnmodifiedSince": past},
    ]
    for kw in failing:
        with expect_error("PreconditionFailed", 412):
            s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, **kw)
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="dst")
    passing: list[dict[str, Any]] = [
        {"CopySourceIfMatch": etag},
        {"CopySourceIfNoneMatch": '"00000000000000000000000000000000"'},
        {"CopySourceIfModifiedSince": past},
        {"CopySourceIfUnmodifiedSince": future},
        # If-Match true and If-Unmodified-Since false -> copied (API reference).
        {"CopySourceIfMatch": etag, "CopySourceIfUnmodifiedSince": past},
    ]
    for i, kw in enumerate(passing):
        resp = s3.copy_object(Bucket=bucket, Key=f"dst{i}", CopySource=src, **kw)
        assert resp["CopyObjectResult"]["ETag"] == etag_of(BODY)
    # If-None-Match false and If-Modified-Since true -> 412.
    with expect_error("PreconditionFailed", 412):
        s3.copy_object(
            Bucket=bucket,
            Key="dst-x",
            CopySource=src,
            CopySourceIfNoneMatch=etag,
            CopySourceIfModifiedSince=past,
        )


def test_copy_onto_itself(s3: Any, bucket: str) -> None:
    _source(s3, bucket)
    src = {"Bucket": bucket, "Key": "src"}
    with expect_error("InvalidRequest", 400):
        s3.copy_object(Bucket=bucket, Key="src", CopySource=src)
    resp = s3.copy_object(
        Bucket=bucket,
        Key="src",
        CopySource=src,
        MetadataDirective="REPLACE",
        Metadata={"origin": "replaced"},
        ContentType="text/plain",
    )
    assert resp["CopyObjectResult"]["ETag"] == etag_of(BODY)
    head = s3.head_object(Bucket=bucket, Key="src")
    assert head["Metadata"] == {"origin": "replaced"}
    assert head["ContentType"] == "text/plain"
    assert s3.get_object(Bucket=bucket, Key="src")["Body"].read() == BODY


def test_copy_onto_itself_moto_sanity(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    _source(s3, bucket)
    with expect_error("InvalidRequest", 400):
        s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"})


def test_copy_if_none_match_destination(s3: Any, bucket: str) -> None:
    # Conditional write on the destination (If-None-Match: *) as for PutObject.
    _source(s3, bucket)
    s3.put_object(Bucket=bucket, Key="taken", Body=b"keep")
    with expect_error("PreconditionFailed", 412):
        s3.copy_object(
            Bucket=bucket, Key="taken", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch="*"
        )
    assert s3.get_object(Bucket=bucket, Key="taken")["Body"].read() == b"keep"
