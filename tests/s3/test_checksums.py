"""Flexible checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), Content-MD5, payload hashes.

Expected values are computed in the test (zlib, awscrt, hashlib), never taken from
the server.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import pytest

from tests.s3.helpers import (
    ALGORITHMS,
    MIB,
    aws_chunked_unsigned,
    checksum_b64,
    composite_checksum,
    content_md5,
    etag_of,
    expect_error,
    key_path,
    multipart_etag,
    raw_request,
    sign_headers,
    trailer_client,
    unique,
)
from tests.servers import GrenierServer, S3Endpoint

DATA = b"climate indicators \x00\x01\x02" * 1000
BAD_CHECKSUM_CODES = {"BadDigest", "XAmzContentChecksumMismatch"}


def field(algorithm: str) -> str:
    return f"Checksum{algorithm}"


@pytest.mark.parametrize("transport", ["header", "trailer"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_checksum_algorithm(
    grenier: GrenierServer, bucket: str, algorithm: str, transport: str
) -> None:
    s3 = grenier.client() if transport == "header" else trailer_client(grenier)
    expected = checksum_b64(algorithm, DATA)
    resp = s3.put_object(Bucket=bucket, Key="obj", Body=DATA, ChecksumAlgorithm=algorithm)
    assert resp["ETag"] == etag_of(DATA)
    assert resp[field(algorithm)] == expected
    reader = grenier.client()
    got = reader.get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got[field(algorithm)] == expected
    assert got.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT"
    head = reader.head_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    assert head[field(algorithm)] == expected


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_put_with_checksum_moto_sanity(any_s3: S3Endpoint, algorithm: str) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    resp = s3.put_object(Bucket=bucket, Key="obj", Body=DATA, ChecksumAlgorithm=algorithm)
    assert resp[field(algorithm)] == checksum_b64(algorithm, DATA)
    got = s3.get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got[field(algorithm)] == checksum_b64(algorithm, DATA)


def test_default_client_checksum_is_kept(s3: Any, bucket: str) -> None:
    # boto3's default (when_supported) sends CRC32 with every PutObject.
    s3.put_object(Bucket=bucket, Key="d", Body=DATA)
    head = s3.head_object(Bucket=bucket, Key="d", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == checksum_b64("CRC32", DATA)


def test_object_without_checksum_gets_crc64nvme(grenier: GrenierServer, bucket: str) -> None:
    # AWS computes a full-object CRC64NVME for objects uploaded without any checksum.
    resp = raw_request(grenier, "PUT", key_path(bucket, "plain"), body=DATA)
    assert resp.status == 200
    head = grenier.client().head_object(Bucket=bucket, Key="plain", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == checksum_b64("CRC64NVME", DATA)


def test_checksums_only_with_checksum_mode(grenier: GrenierServer, bucket: str) -> None:
    grenier.client().put_object(Bucket=bucket, Key="m", Body=DATA, ChecksumAlgorithm="SHA256")
    plain = raw_request(grenier, "GET", key_path(bucket, "m"))
    assert plain.status == 200
    assert plain.body == DATA
    assert not [h for h in plain.headers if h.lower().startswith("x-amz-checksum-")]
    enabled = raw_request(
        grenier, "GET", key_path(bucket, "m"), headers={"x-amz-checksum-mode": "ENABLED"}
    )
    assert enabled.header("x-amz-checksum-sha256") == checksum_b64("SHA256", DATA)


def test_ranged_get_has_no_whole_object_checksum(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=DATA, ChecksumAlgorithm="CRC32C")
    got = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-99", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA[10:100]
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert not [h for h in headers if h.startswith("x-amz-checksum-crc")], headers
    assert "ChecksumCRC32C" not in got


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_checksum_header_rejected(s3: Any, bucket: str, algorithm: str) -> None:
    wrong = checksum_b64(algorithm, b"something else")
    with expect_error(BAD_CHECKSUM_CODES, 400):
        s3.put_object(Bucket=bucket, Key="bad", Body=DATA, **{field(algorithm): wrong})
    with expect_error("NoSuchKey", 404):
        s3.get_object(Bucket=bucket, Key="bad")
    right = checksum_b64(algorithm, DATA)
    resp = s3.put_object(Bucket=bucket, Key="good", Body=DATA, **{field(algorithm): right})
    assert resp[field(algorithm)] == right


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC64NVME", "SHA256"])
def test_aws_chunked_trailer_raw(grenier: GrenierServer, bucket: str, algorithm: str) -> None:
    name = f"x-amz-checksum-{algorithm.lower()}"
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(DATA)),
        "x-amz-trailer": name,
        "x-amz-sdk-checksum-algorithm": algorithm,
    }
    good = aws_chunked_unsigned(DATA, {name: checksum_b64(algorithm, DATA)}, chunk=8192)
    resp = raw_request(
        grenier,
        "PUT",
        key_path(bucket, "ok"),
        headers=headers,
        body=good,
        streaming_trailer=True,
    )
    assert resp.status == 200, resp.body
    assert resp.header("ETag") == etag_of(DATA)
    got = grenier.client().get_object(Bucket=bucket, Key="ok", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert "aws-chunked" not in got.get("ContentEncoding", "")
    assert got[field(algorithm)] == checksum_b64(algorithm, DATA)

    bad = aws_chunked_unsigned(DATA, {name: checksum_b64(algorithm, b"nope")}, chunk=8192)
    resp = raw_request(
        grenier,
        "PUT",
        key_path(bucket, "bad"),
        headers=headers,
        body=bad,
        streaming_trailer=True,
    )
    assert resp.status == 400
    assert resp.error_code() in BAD_CHECKSUM_CODES
    assert raw_request(grenier, "HEAD", key_path(bucket, "bad")).status == 404


def test_aws_chunked_decoded_length_mismatch(grenier: GrenierServer, bucket: str) -> None:
    name = "x-amz-checksum-crc32"
    body = aws_chunked_unsigned(DATA, {name: checksum_b64("CRC32", DATA)})
    resp = raw_request(
        grenier,
        "PUT",
        key_path(bucket, "short"),
        headers={
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(DATA) + 5),
            "x-amz-trailer": name,
        },
        body=body,
        streaming_trailer=True,
    )
    assert 400 <= resp.status < 500
    assert raw_request(grenier, "HEAD", key_path(bucket, "short")).status == 404


def test_content_md5(s3: Any, bucket: str) -> None:
    # Grenier only: moto does not verify Content-MD5.
    resp = s3.put_object(Bucket=bucket, Key="md5", Body=DATA, ContentMD5=content_md5(DATA))
    assert resp["ETag"] == etag_of(DATA)
    with expect_error("BadDigest", 400):
        s3.put_object(Bucket=bucket, Key="md5bad", Body=DATA, ContentMD5=content_md5(b"x"))


def test_content_md5_malformed(s3: Any, bucket: str) -> None:
    with expect_error("InvalidDigest", 400):
        s3.put_object(Bucket=bucket, Key="md5", Body=DATA, ContentMD5="not-base64-md5")


def test_payload_sha256_mismatch(grenier: GrenierServer, bucket: str) -> None:
    """The body differs from the x-amz-content-sha256 that was signed."""
    url = f"{grenier.endpoint}{key_path(bucket, 'tampered')}"
    host = url.split("/")[2]
    headers = sign_headers(grenier, "PUT", url, {"Host": host}, b"A" * 100)
    resp = raw_request(
        grenier,
        "PUT",
        key_path(bucket, "tampered"),
        headers=headers,
        body=b"B" * 100,
        sign=False,
    )
    assert resp.status == 400
    assert resp.error_code() == "XAmzContentSHA256Mismatch"
    assert raw_request(grenier, "HEAD", key_path(bucket, "tampered")).status == 404


# --------------------------------------------------------------------------- multipart


@pytest.fixture(scope="module")
def five_mib() -> bytes:
    return os.urandom(5 * MIB)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_multipart_composite_checksum(
    s3: Any, bucket: str, five_mib: bytes, algorithm: str
) -> None:
    parts = [five_mib, b"final part"]
    uid = s3.create_multipart_upload(
        Bucket=bucket, Key="c", ChecksumAlgorithm=algorithm, ChecksumType="COMPOSITE"
    )["UploadId"]
    done_parts = []
    for number, data in enumerate(parts, start=1):
        resp = s3.upload_part(
            Bucket=bucket,
            Key="c",
            UploadId=uid,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        assert resp[field(algorithm)] == checksum_b64(algorithm, data)
        done_parts.append(
            {"PartNumber": number, "ETag": resp["ETag"], field(algorithm): resp[field(algorithm)]}
        )
    listed = s3.list_parts(Bucket=bucket, Key="c", UploadId=uid)
    assert [p[field(algorithm)] for p in listed["Parts"]] == [
        checksum_b64(algorithm, d) for d in parts
    ]
    assert listed["ChecksumAlgorithm"] == algorithm
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="c", UploadId=uid, MultipartUpload={"Parts": done_parts}
    )
    expected = composite_checksum(algorithm, parts)
    assert done["ETag"] == multipart_etag(parts)
    assert done[field(algorithm)] == expected
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head[field(algorithm)] == expected
    assert head["ChecksumType"] == "COMPOSITE"
    # A part read carries that part's checksum.
    part = s3.get_object(Bucket=bucket, Key="c", PartNumber=2, ChecksumMode="ENABLED")
    assert part["Body"].read() == parts[1]
    assert hashlib.sha256(s3.get_object(Bucket=bucket, Key="c")["Body"].read()).digest() == (
        hashlib.sha256(b"".join(parts)).digest()
    )


@pytest.mark.parametrize("algorithm", ["CRC64NVME", "CRC32", "CRC32C"])
def test_multipart_full_object_checksum(
    s3: Any, bucket: str, five_mib: bytes, algorithm: str
) -> None:
    parts = [five_mib, b"end"]
    uid = s3.create_multipart_upload(
        Bucket=bucket, Key="f", ChecksumAlgorithm=algorithm, ChecksumType="FULL_OBJECT"
    )["UploadId"]
    done_parts = []
    for number, data in enumerate(parts, start=1):
        resp = s3.upload_part(
            Bucket=bucket,
            Key="f",
            UploadId=uid,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        assert resp[field(algorithm)] == checksum_b64(algorithm, data)
        done_parts.append(
            {"PartNumber": number, "ETag": resp["ETag"], field(algorithm): resp[field(algorithm)]}
        )
    whole = b"".join(parts)
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="f", UploadId=uid, MultipartUpload={"Parts": done_parts}
    )
    assert done[field(algorithm)] == checksum_b64(algorithm, whole)
    assert done["ETag"] == multipart_etag(parts)
    head = s3.head_object(Bucket=bucket, Key="f", ChecksumMode="ENABLED")
    assert head[field(algorithm)] == checksum_b64(algorithm, whole)
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_upload_part_wrong_checksum(s3: Any, bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=bucket, Key="w", ChecksumAlgorithm="SHA256")["UploadId"]
    with expect_error(BAD_CHECKSUM_CODES, 400):
        s3.upload_part(
            Bucket=bucket,
            Key="w",
            UploadId=uid,
            PartNumber=1,
            Body=b"part",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(b"other").digest()).decode(),
        )
    assert s3.list_parts(Bucket=bucket, Key="w", UploadId=uid).get("Parts", []) == []
