"""Multipart uploads: create, upload (and copy) parts, complete, abort, list."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from tests.s3.helpers import MIB, etag_of, expect_error, multipart_etag, trailer_client, unique
from tests.servers import GrenierServer, S3Endpoint

PART = 5 * MIB


@pytest.fixture(scope="module")
def big_part() -> bytes:
    return os.urandom(PART)


def upload_parts(s3: Any, bucket: str, key: str, upload_id: str, parts: list[bytes]) -> list[dict]:
    done = []
    for number, data in enumerate(parts, start=1):
        resp = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        assert resp["ETag"] == etag_of(data)
        done.append({"PartNumber": number, "ETag": resp["ETag"]})
    return done


def complete(s3: Any, bucket: str, key: str, upload_id: str, parts: list[dict]) -> dict[str, Any]:
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )


def test_multipart_roundtrip(any_s3: S3Endpoint, big_part: bytes) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    parts = [big_part, big_part[::-1], b"the last part may be small"]
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key="mp/obj", ContentType="application/x-zarr", Metadata={"k": "v"}
    )
    assert upload["Bucket"] == bucket
    assert upload["Key"] == "mp/obj"
    uid = upload["UploadId"]
    done = complete(s3, bucket, "mp/obj", uid, upload_parts(s3, bucket, "mp/obj", uid, parts))
    assert done["ETag"] == multipart_etag(parts)
    assert done["Key"] == "mp/obj"
    assert done["Bucket"] == bucket
    got = s3.get_object(Bucket=bucket, Key="mp/obj")
    body = got["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(b"".join(parts)).digest()
    assert got["ETag"] == multipart_etag(parts)
    assert got["ContentType"] == "application/x-zarr"
    assert got["Metadata"] == {"k": "v"}
    assert got["ContentLength"] == sum(map(len, parts))
    # A range that spans the part boundary.
    ranged = s3.get_object(Bucket=bucket, Key="mp/obj", Range=f"bytes={PART - 3}-{PART + 2}")
    assert ranged["Body"].read() == (parts[0] + parts[1])[PART - 3 : PART + 3]


def test_multipart_aws_chunked_parts(grenier: GrenierServer, bucket: str, big_part: bytes) -> None:
    """UploadPart the way boto3 sends it over https: aws-chunked + CRC32 trailer."""
    s3 = trailer_client(grenier)
    parts = [big_part, b"tail"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="chunked")["UploadId"]
    done = complete(s3, bucket, "chunked", uid, upload_parts(s3, bucket, "chunked", uid, parts))
    assert done["ETag"] == multipart_etag(parts)
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == b"".join(parts)


def test_single_small_part_is_allowed(s3: Any, bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="one")["UploadId"]
    done = complete(s3, bucket, "one", uid, upload_parts(s3, bucket, "one", uid, [b"tiny"]))
    assert done["ETag"] == multipart_etag([b"tiny"])
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == b"tiny"


def test_entity_too_small(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    parts = upload_parts(s3, bucket, "small", uid, [b"a" * 1024, b"b" * 1024])
    with expect_error("EntityTooSmall", 400):
        complete(s3, bucket, "small", uid, parts)
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="small")


def test_invalid_part(s3: Any, bucket: str, big_part: bytes) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="ip")["UploadId"]
    parts = upload_parts(s3, bucket, "ip", uid, [big_part, b"end"])
    with expect_error("InvalidPart", 400):
        complete(s3, bucket, "ip", uid, [parts[0], {"PartNumber": 2, "ETag": etag_of(b"other")}])
    with expect_error("InvalidPart", 400):
        complete(s3, bucket, "ip", uid, [parts[0], {"PartNumber": 7, "ETag": etag_of(b"end")}])
    # The upload is still usable after a failed completion.
    done = complete(s3, bucket, "ip", uid, parts)
    assert done["ETag"] == multipart_etag([big_part, b"end"])


def test_invalid_part_order(s3: Any, bucket: str) -> None:
    # Grenier only: moto does not check the part order.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="order")["UploadId"]
    # Both parts are full-size so that only the order is wrong.
    parts = upload_parts(s3, bucket, "order", uid, [b"x" * PART, b"y" * PART])
    with expect_error("InvalidPartOrder", 400):
        complete(s3, bucket, "order", uid, [parts[1], parts[0]])


def test_complete_with_subset_and_reuploaded_part(s3: Any, bucket: str, big_part: bytes) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="sub")["UploadId"]
    upload_parts(s3, bucket, "sub", uid, [b"old" * 10, b"skipped", b"end"])
    # Re-uploading a part number replaces it.
    p1 = s3.upload_part(Bucket=bucket, Key="sub", UploadId=uid, PartNumber=1, Body=big_part)
    p3 = s3.upload_part(Bucket=bucket, Key="sub", UploadId=uid, PartNumber=3, Body=b"end")
    done = complete(
        s3,
        bucket,
        "sub",
        uid,
        [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 3, "ETag": p3["ETag"]}],
    )
    assert done["ETag"] == multipart_etag([big_part, b"end"])
    assert s3.get_object(Bucket=bucket, Key="sub")["Body"].read() == big_part + b"end"


def test_abort_and_no_such_upload(s3: Any, bucket: str) -> None:
    # Grenier only: moto answers UploadPart on an aborted upload with a 500.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="ab")["UploadId"]
    upload_parts(s3, bucket, "ab", uid, [b"part"])
    resp = s3.abort_multipart_upload(Bucket=bucket, Key="ab", UploadId=uid)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with expect_error("NoSuchUpload", 404):
        s3.upload_part(Bucket=bucket, Key="ab", UploadId=uid, PartNumber=2, Body=b"x")
    with expect_error("NoSuchUpload", 404):
        s3.list_parts(Bucket=bucket, Key="ab", UploadId=uid)
    with expect_error("NoSuchUpload", 404):
        complete(s3, bucket, "ab", uid, [{"PartNumber": 1, "ETag": etag_of(b"part")}])
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="ab")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_no_such_upload_unknown_id(s3: Any, bucket: str) -> None:
    with expect_error("NoSuchUpload", 404):
        s3.upload_part(Bucket=bucket, Key="k", UploadId="not-an-upload", PartNumber=1, Body=b"x")
    with expect_error("NoSuchUpload", 404):
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId="not-an-upload")
    # An upload id belongs to its key.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="owner")["UploadId"]
    with expect_error("NoSuchUpload", 404):
        s3.upload_part(Bucket=bucket, Key="other", UploadId=uid, PartNumber=1, Body=b"x")


def test_completed_upload_is_gone(s3: Any, bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="g")["UploadId"]
    parts = upload_parts(s3, bucket, "g", uid, [b"only"])
    complete(s3, bucket, "g", uid, parts)
    with expect_error("NoSuchUpload", 404):
        s3.upload_part(Bucket=bucket, Key="g", UploadId=uid, PartNumber=2, Body=b"x")


def test_invalid_part_number(s3: Any, bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="pn")["UploadId"]
    for number in (0, 10001):
        with expect_error("InvalidArgument", 400):
            s3.upload_part(Bucket=bucket, Key="pn", UploadId=uid, PartNumber=number, Body=b"x")


def test_list_parts(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="lp")["UploadId"]
    datas = [b"one", b"two-two", b"three-three-three"]
    upload_parts(s3, bucket, "lp", uid, datas)
    listed = s3.list_parts(Bucket=bucket, Key="lp", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [p["ETag"] for p in listed["Parts"]] == [etag_of(d) for d in datas]
    assert [p["Size"] for p in listed["Parts"]] == [len(d) for d in datas]
    assert listed["UploadId"] == uid
    assert listed["IsTruncated"] is False
    first = s3.list_parts(Bucket=bucket, Key="lp", UploadId=uid, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["IsTruncated"] is True
    assert first["NextPartNumberMarker"] == 2
    rest = s3.list_parts(Bucket=bucket, Key="lp", UploadId=uid, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False


def test_list_multipart_uploads(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    ids = {}
    for key in ("dir/a", "dir/b", "other"):
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert {(u["Key"], u["UploadId"]) for u in listed["Uploads"]} == set(ids.items())
    assert all(u["Initiated"] is not None for u in listed["Uploads"])
    assert [u["Key"] for u in listed["Uploads"]] == ["dir/a", "dir/b", "other"]
    only_dir = s3.list_multipart_uploads(Bucket=bucket, Prefix="dir/")
    assert [u["Key"] for u in only_dir["Uploads"]] == ["dir/a", "dir/b"]
    s3.abort_multipart_upload(Bucket=bucket, Key="other", UploadId=ids["other"])
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["Key"] for u in listed["Uploads"]] == ["dir/a", "dir/b"]


def test_list_multipart_uploads_delimiter_and_paging(s3: Any, bucket: str) -> None:
    ids = [
        s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"] for k in ("a/1", "a/2", "b")
    ]
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped.get("CommonPrefixes", [])] == ["a/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["b"]
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert page["IsTruncated"] is True
    assert [u["UploadId"] for u in page["Uploads"]] == ids[:2]
    rest = s3.list_multipart_uploads(
        Bucket=bucket, KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"]
    )
    assert [u["UploadId"] for u in rest["Uploads"]] == ids[2:]


def test_upload_part_copy(any_s3: S3Endpoint, big_part: bytes) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    source = big_part + b"0123456789" * 100
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    src = {"Bucket": bucket, "Key": "src"}
    # Part 1: the first 5 MiB; part 2: the whole source; part 3 (last, small): the tail.
    ranges = [f"bytes=0-{PART - 1}", None, f"bytes={PART}-{len(source) - 1}"]
    expected = [source[:PART], source, source[PART:]]
    parts = []
    for number, (rng, data) in enumerate(zip(ranges, expected, strict=True), start=1):
        kw = {"CopySourceRange": rng} if rng else {}
        resp = s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=uid, PartNumber=number, CopySource=src, **kw
        )
        assert resp["CopyPartResult"]["ETag"] == etag_of(data)
        parts.append({"PartNumber": number, "ETag": resp["CopyPartResult"]["ETag"]})
    done = complete(s3, bucket, "dst", uid, parts)
    assert done["ETag"] == multipart_etag(expected)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"".join(expected)


def test_upload_part_copy_bad_range(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"short")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    # AWS: 400 InvalidArgument "Range specified is not valid for source object of size: 5"
    # (a GET would answer 416 InvalidRange; UploadPartCopy does not).
    with expect_error("InvalidArgument", 400):
        s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=uid,
            PartNumber=1,
            CopySource={"Bucket": bucket, "Key": "src"},
            CopySourceRange="bytes=0-100",
        )


def test_get_part_number(s3: Any, bucket: str, big_part: bytes) -> None:
    parts = [big_part, b"second part"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="pn")["UploadId"]
    complete(s3, bucket, "pn", uid, upload_parts(s3, bucket, "pn", uid, parts))
    got = s3.get_object(Bucket=bucket, Key="pn", PartNumber=2)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == b"second part"
    assert got["PartsCount"] == 2
    assert got["ContentRange"] == f"bytes {PART}-{PART + 10}/{PART + 11}"
    head = s3.head_object(Bucket=bucket, Key="pn", PartNumber=1)
    assert head["ContentLength"] == PART
    assert head["PartsCount"] == 2
