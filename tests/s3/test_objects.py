"""Object operations: Put/Get/Head/Delete, ranges, response overrides, metadata, DeleteObjects,
conditional reads and conditional writes."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from typing import Any

import pytest

from tests.s3.helpers import (
    etag_of,
    expect_error,
    multipart_etag,
    trailer_client,
    unique,
)
from tests.servers import GrenierServer, S3Endpoint

BODY = b"0123456789abcdefghij"  # 20 bytes


def put(s3: Any, bucket: str, key: str, body: bytes = BODY, **kw: Any) -> dict[str, Any]:
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kw)


# --------------------------------------------------------------------------- put / get


def test_put_get_roundtrip_default_client(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(100_000)
    resp = put(s3, bucket, "dir/obj.bin", data)
    assert resp["ETag"] == etag_of(data)
    got = s3.get_object(Bucket=bucket, Key="dir/obj.bin")
    assert got["Body"].read() == data
    assert got["ETag"] == etag_of(data)
    assert got["ContentLength"] == len(data)
    assert got["LastModified"] is not None


def test_put_get_aws_chunked_trailer(grenier: GrenierServer, bucket: str) -> None:
    """boto3's default over https: aws-chunked body with an x-amz-checksum-crc32 trailer."""
    s3 = trailer_client(grenier)
    data = os.urandom(200_000)
    resp = s3.put_object(Bucket=bucket, Key="chunked", Body=data)
    assert resp["ETag"] == etag_of(data)
    got = grenier.client().get_object(Bucket=bucket, Key="chunked")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == etag_of(data)


def test_put_empty_object(s3: Any, bucket: str) -> None:
    resp = put(s3, bucket, "empty", b"")
    assert resp["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentLength"] == 0


def test_overwrite_replaces_whole_object(s3: Any, bucket: str) -> None:
    put(s3, bucket, "k", b"first version, long")
    put(s3, bucket, "k", b"second")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"second"
    assert got["ETag"] == etag_of(b"second")


def test_get_missing_key(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    with expect_error("NoSuchKey", 404) as info:
        s3.get_object(Bucket=bucket, Key="nope")
    assert info.value.response["Error"].get("Key") in (None, "nope")


def test_head_object(s3: Any, bucket: str) -> None:
    put(s3, bucket, "h", ContentType="text/plain", Metadata={"a": "1"})
    head = s3.head_object(Bucket=bucket, Key="h")
    assert head["ContentLength"] == len(BODY)
    assert head["ETag"] == etag_of(BODY)
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"a": "1"}
    assert head["ResponseMetadata"]["HTTPHeaders"]["accept-ranges"] == "bytes"
    with expect_error("404", 404):
        s3.head_object(Bucket=bucket, Key="missing")


def test_key_max_length(s3: Any, bucket: str) -> None:
    key = "k" * 1024
    put(s3, bucket, key)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == BODY
    with expect_error("KeyTooLongError", 400):
        put(s3, bucket, "k" * 1025)


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=2-5", 2, 5),
        ("bytes=15-", 15, 19),
        ("bytes=-4", 16, 19),
        ("bytes=10-1000", 10, 19),  # end past the object is clamped
        ("bytes=-1000", 0, 19),  # suffix longer than the object is the whole object
    ],
)
def test_range_get(s3: Any, bucket: str, header: str, start: int, end: int) -> None:
    put(s3, bucket, "r")
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == BODY[start : end + 1]
    assert got["ContentRange"] == f"bytes {start}-{end}/{len(BODY)}"
    assert got["ContentLength"] == end - start + 1
    assert got["ETag"] == etag_of(BODY)


def test_range_get_moto_sanity(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    put(s3, bucket, "r")
    got = s3.get_object(Bucket=bucket, Key="r", Range="bytes=-4")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == BODY[-4:]
    assert got["ContentRange"] == f"bytes 16-19/{len(BODY)}"


@pytest.mark.parametrize("header", ["bytes=20-", "bytes=100-200"])
def test_range_not_satisfiable(s3: Any, bucket: str, header: str) -> None:
    put(s3, bucket, "r")
    with expect_error("InvalidRange", 416) as info:
        s3.get_object(Bucket=bucket, Key="r", Range=header)
    headers = info.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("content-range") in (None, f"bytes */{len(BODY)}")


def test_range_invalid_syntax_is_ignored(s3: Any, bucket: str) -> None:
    # RFC 9110: a syntactically invalid Range header is ignored -> 200 with the whole body.
    put(s3, bucket, "r")
    got = s3.get_object(Bucket=bucket, Key="r", Range="bytes=5-2")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == BODY


def test_range_on_empty_object(s3: Any, bucket: str) -> None:
    put(s3, bucket, "e", b"")
    with expect_error("InvalidRange", 416):
        s3.get_object(Bucket=bucket, Key="e", Range="bytes=0-0")


def test_response_overrides(s3: Any, bucket: str) -> None:
    put(s3, bucket, "o", ContentType="application/octet-stream")
    got = s3.get_object(
        Bucket=bucket,
        Key="o",
        ResponseContentType="text/csv",
        ResponseContentDisposition='attachment; filename="x.csv"',
        ResponseContentEncoding="identity",
        ResponseContentLanguage="fr-CA",
        ResponseCacheControl="no-cache",
        ResponseExpires=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert got["Body"].read() == BODY
    assert got["ContentType"] == "text/csv"
    assert got["ContentDisposition"] == 'attachment; filename="x.csv"'
    assert got["ContentEncoding"] == "identity"
    assert got["ContentLanguage"] == "fr-CA"
    assert got["CacheControl"] == "no-cache"
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert headers["expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    # The stored object is unchanged.
    assert s3.head_object(Bucket=bucket, Key="o")["ContentType"] == "application/octet-stream"


# --------------------------------------------------------------------------- metadata


def test_user_metadata_and_standard_headers(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    put(
        s3,
        bucket,
        "m",
        Metadata={"Project": "Portail-ING", "run-ID": "42", "unicode": "ete"},
        ContentType="application/x-netcdf",
        ContentEncoding="gzip",
        ContentDisposition="inline",
        ContentLanguage="en-CA",
        CacheControl="max-age=3600",
        Expires=dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
    )
    for resp in (s3.head_object(Bucket=bucket, Key="m"), s3.get_object(Bucket=bucket, Key="m")):
        assert resp["Metadata"] == {"project": "Portail-ING", "run-id": "42", "unicode": "ete"}
        assert resp["ContentType"] == "application/x-netcdf"
        assert resp["ContentEncoding"] == "gzip"
        assert resp["ContentDisposition"] == "inline"
        assert resp["ContentLanguage"] == "en-CA"
        assert resp["CacheControl"] == "max-age=3600"
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        assert headers["expires"] == "Tue, 06 May 2031 07:08:09 GMT"


def test_content_encoding_gzip_body_stored_verbatim(s3: Any, bucket: str) -> None:
    # Content-Encoding is object metadata: the server must not decode the body.
    raw = b"netcdf chunk " * 500
    packed = gzip.compress(raw)
    resp = put(s3, bucket, "data.nc.gz", packed, ContentEncoding="gzip")
    assert resp["ETag"] == etag_of(packed)
    got = s3.get_object(Bucket=bucket, Key="data.nc.gz")
    assert got["ContentEncoding"] == "gzip"
    assert got["ContentLength"] == len(packed)
    assert got["Body"].read() == packed


def test_default_content_type(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="noct", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="noct")["ContentType"] in (
        "binary/octet-stream",
        "application/octet-stream",
    )


def test_metadata_too_large(s3: Any, bucket: str) -> None:
    # User metadata is limited to 2 KB in the PUT request headers.
    with expect_error("MetadataTooLarge", 400):
        put(s3, bucket, "big-meta", Metadata={"a": "x" * 2100})


# --------------------------------------------------------------------------- delete


def test_delete_object_idempotent(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    put(s3, bucket, "d")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="d")


def test_delete_objects_1000(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    present = [f"p/{i}" for i in range(5)]
    for key in present:
        put(s3, bucket, key)
    keys = present + [f"absent/{i:04d}" for i in range(995)]
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    # Deleting a key that does not exist is reported as deleted, not as an error.
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys)
    assert resp.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_quiet(s3: Any, bucket: str) -> None:
    # Grenier only: moto ignores Quiet; the API reference says quiet mode returns only errors.
    for key in ("a", "b"):
        put(s3, bucket, key)
    resp = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}], "Quiet": True}
    )
    assert resp.get("Deleted", []) == []
    assert resp.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_too_many(s3: Any, bucket: str) -> None:
    # Grenier only: moto accepts any count; AWS rejects more than 1000 keys with MalformedXML.
    put(s3, bucket, "keep")
    with expect_error("MalformedXML", 400):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]}
        )
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == BODY


def test_delete_objects_special_keys(s3: Any, bucket: str) -> None:
    keys = ["a b", "été/ü", "plus+sign", "pct%41", "amp&lt;<tag>"]
    for key in keys:
        put(s3, bucket, key)
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# --------------------------------------------------------------------------- conditional reads


def test_conditional_get(s3: Any, bucket: str) -> None:
    etag = put(s3, bucket, "c")["ETag"]
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)

    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == BODY
    assert s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"0000"')["Body"].read() == BODY
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["Body"].read() == BODY
    assert s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=future)["Body"].read() == BODY

    with expect_error("PreconditionFailed", 412):
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    with expect_error("PreconditionFailed", 412):
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    # 304 has no body: botocore reports the status as the code.
    with expect_error("304", 304):
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    with expect_error("304", 304):
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)


def test_conditional_get_precedence(s3: Any, bucket: str) -> None:
    etag = put(s3, bucket, "c")["ETag"]
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    # If-Match true + If-Unmodified-Since false -> 200 (RFC 7232 / S3 docs).
    got = s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)
    assert got["Body"].read() == BODY
    # If-None-Match false + If-Modified-Since true -> 304.
    with expect_error("304", 304):
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag, IfModifiedSince=past)
    # If-None-Match true (no match) + If-Modified-Since false -> 200.
    got = s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"0000"', IfModifiedSince=future)
    assert got["Body"].read() == BODY


def test_conditional_head(s3: Any, bucket: str) -> None:
    etag = put(s3, bucket, "c")["ETag"]
    assert s3.head_object(Bucket=bucket, Key="c", IfMatch=etag)["ETag"] == etag
    with expect_error("412", 412):
        s3.head_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    with expect_error("304", 304):
        s3.head_object(Bucket=bucket, Key="c", IfNoneMatch=etag)


def test_conditional_get_moto_sanity(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    etag = put(s3, bucket, "c")["ETag"]
    with expect_error("PreconditionFailed", 412):
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    with expect_error("304", 304):
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)


# --------------------------------------------------------------------------- conditional writes


def test_put_if_none_match_star(s3: Any, bucket: str) -> None:
    resp = put(s3, bucket, "once", b"first", IfNoneMatch="*")
    assert resp["ETag"] == etag_of(b"first")
    with expect_error("PreconditionFailed", 412):
        put(s3, bucket, "once", b"second", IfNoneMatch="*")
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"


def test_put_if_match(s3: Any, bucket: str) -> None:
    etag = put(s3, bucket, "cas", b"v1")["ETag"]
    resp = put(s3, bucket, "cas", b"v2", IfMatch=etag)
    assert resp["ETag"] == etag_of(b"v2")
    with expect_error("PreconditionFailed", 412):
        put(s3, bucket, "cas", b"v3", IfMatch=etag)  # stale ETag
    assert s3.get_object(Bucket=bucket, Key="cas")["Body"].read() == b"v2"
    # If-Match on a key with no current object: 404 NoSuchKey (S3 user guide, conditional writes).
    with expect_error("NoSuchKey", 404):
        put(s3, bucket, "never-written", b"x", IfMatch=etag)
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="never-written")


def _multipart(s3: Any, bucket: str, key: str, **complete_kw: Any) -> dict[str, Any]:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"mp")
    return s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        **complete_kw,
    )


def test_complete_multipart_conditional(s3: Any, bucket: str) -> None:
    done = _multipart(s3, bucket, "mpc", IfNoneMatch="*")
    assert done["ETag"] == multipart_etag([b"mp"])
    with expect_error("PreconditionFailed", 412):
        _multipart(s3, bucket, "mpc", IfNoneMatch="*")
    with expect_error("PreconditionFailed", 412):
        _multipart(s3, bucket, "mpc", IfMatch='"00000000000000000000000000000000"')
    done = _multipart(s3, bucket, "mpc", IfMatch=done["ETag"])
    assert done["ETag"] == multipart_etag([b"mp"])
    assert s3.get_object(Bucket=bucket, Key="mpc")["Body"].read() == b"mp"
