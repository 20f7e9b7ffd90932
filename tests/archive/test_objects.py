"""An archive bucket read with boto3: listings equal a sorted walk of the tree, bytes and
ranges equal the files, ETags stable and documented, conditional reads, attributes,
versions; nothing outside the root, no link, no special file is ever served."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path
from typing import Any
from urllib.parse import quote

import botocore.exceptions
import pytest

from tests.archive.conftest import BUCKET, http
from tests.archive.tree import walk_keys
from tests.servers import GrenierServer


def list_all(s3: Any, api: str = "v2", **kwargs: Any) -> tuple[list[dict[str, Any]], list[str]]:
    method = "list_objects_v2" if api == "v2" else "list_objects"
    pages = s3.get_paginator(method).paginate(Bucket=BUCKET, **kwargs)
    contents: list[dict[str, Any]] = []
    prefixes: list[str] = []
    for page in pages:
        contents += page.get("Contents", [])
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return contents, prefixes


def stat_etag(path: Path) -> str:
    st = path.stat()
    stamp = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()
    return hashlib.md5(stamp).hexdigest() + "-1"


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_listing_equals_sorted_walk(s3: Any, archive_root: Path, api: str) -> None:
    expected = walk_keys(archive_root)
    contents, _ = list_all(s3, api, PaginationConfig={"PageSize": 37})
    assert [o["Key"] for o in contents] == list(expected)
    assert {o["Key"]: o["Size"] for o in contents} == {
        k: p.stat().st_size for k, p in expected.items()
    }
    assert {o["Key"]: o["ETag"].strip('"') for o in contents} == {
        k: stat_etag(p) for k, p in expected.items()
    }
    # links, the FIFO and empty folders are not objects; neither are virtual Zarr keys
    assert not any(k.startswith("links/") or ".zarr/" in k for k in (o["Key"] for o in contents))


def test_delimiter_listing_per_folder(s3: Any, archive_root: Path) -> None:
    expected = walk_keys(archive_root)
    for prefix in ["", "odd/", "odd/été/", "iris/", "cmip/day/", "odd/deep/er/"]:
        contents, prefixes = list_all(
            s3, Prefix=prefix, Delimiter="/", PaginationConfig={"PageSize": 3}
        )
        under = [k for k in expected if k.startswith(prefix)]
        files = [k for k in under if "/" not in k[len(prefix) :]]
        folders = sorted(
            {
                prefix + k[len(prefix) :].split("/")[0] + "/"
                for k in under
                if "/" in k[len(prefix) :]
            },
            key=str.encode,
        )
        assert [o["Key"] for o in contents] == files, prefix
        assert prefixes == folders, prefix


def test_start_after_and_url_encoding(s3: Any, archive_root: Path) -> None:
    keys = list(walk_keys(archive_root))
    middle = keys[len(keys) // 2]
    page = s3.list_objects_v2(Bucket=BUCKET, StartAfter=middle, MaxKeys=5)
    assert [o["Key"] for o in page["Contents"]] == keys[keys.index(middle) + 1 :][:5]
    odd = s3.list_objects_v2(Bucket=BUCKET, Prefix="odd/", EncodingType="url")
    # asked for explicitly, boto3 leaves the keys encoded
    assert "odd/a%20b%2Bc%3Dd%26e.txt" in [o["Key"] for o in odd["Contents"]]


def test_versions_listing_shows_files_as_null_versions(s3: Any, archive_root: Path) -> None:
    pages = s3.get_paginator("list_object_versions").paginate(
        Bucket=BUCKET, Prefix="odd/", PaginationConfig={"PageSize": 4}
    )
    versions = [v for page in pages for v in page.get("Versions", [])]
    expected = [k for k in walk_keys(archive_root) if k.startswith("odd/")]
    assert [v["Key"] for v in versions] == expected
    assert {v["VersionId"] for v in versions} == {"null"}
    assert s3.get_bucket_versioning(Bucket=BUCKET).get("Status") is None


def test_bytes_and_ranges_equal_the_files(s3: Any, archive_root: Path) -> None:
    rng = random.Random(18)
    for key, path in walk_keys(archive_root).items():
        data = path.read_bytes()
        got = s3.get_object(Bucket=BUCKET, Key=key)
        assert got["Body"].read() == data, key
        assert got["ContentLength"] == len(data)
        assert got["ETag"].strip('"') == stat_etag(path)
        if len(data) > 2:
            start = rng.randrange(len(data) - 1)
            end = rng.randrange(start, len(data))
            part = s3.get_object(Bucket=BUCKET, Key=key, Range=f"bytes={start}-{end}")
            assert part["Body"].read() == data[start : end + 1], key
            assert part["ContentRange"] == f"bytes {start}-{end}/{len(data)}"
            tail = s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=-100")
            assert tail["Body"].read() == data[-100:]


def test_head_content_type_and_last_modified(s3: Any, archive_root: Path) -> None:
    path = archive_root / "cmip" / "day" / "tas_day_2000.nc"
    head = s3.head_object(Bucket=BUCKET, Key="cmip/day/tas_day_2000.nc")
    assert head["ContentLength"] == path.stat().st_size
    assert head["ContentType"] == "application/x-netcdf"
    assert int(head["LastModified"].timestamp()) == int(path.stat().st_mtime)
    assert head["AcceptRanges"] == "bytes"
    again = s3.head_object(Bucket=BUCKET, Key="cmip/day/tas_day_2000.nc")
    assert again["ETag"] == head["ETag"]  # stable while the file is unchanged


def test_conditional_get(s3: Any, archive_server: GrenierServer) -> None:
    key = "odd/a b+c=d&e.txt"
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    url = f"{archive_server.endpoint}/{BUCKET}/{quote(key)}"
    anon_policy(s3)
    try:
        assert http("GET", url, {"If-None-Match": etag})[0] == 304
        assert http("GET", url, {"If-Match": '"0123"'})[0] == 412
        assert http("GET", url, {"If-Match": etag}) == (200, b"spaces and signs\n")
        assert http("GET", url, {"If-Modified-Since": "Tue, 01 Jan 2999 00:00:00 GMT"})[0] == 304
        assert http("GET", url, {"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})[0] == 412
    finally:
        s3.delete_bucket_policy(Bucket=BUCKET)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.get_object(Bucket=BUCKET, Key=key, IfNoneMatch=etag)
    assert err.value.response["Error"]["Code"] == "304"


def test_get_object_attributes(s3: Any, archive_root: Path) -> None:
    key = "legacy/classic.nc"
    attrs = s3.get_object_attributes(
        Bucket=BUCKET, Key=key, ObjectAttributes=["ETag", "ObjectSize", "StorageClass"]
    )
    assert attrs["ObjectSize"] == (archive_root / key).stat().st_size
    assert attrs["ETag"] == stat_etag(archive_root / key)
    assert attrs["StorageClass"] == "STANDARD"


@pytest.mark.parametrize(
    "raw_key",
    [
        "..%2Foutside%2Fsecret.txt",
        "%2E%2E/outside/secret.txt",
        "odd/../../outside/secret.txt",
        "%2Fetc%2Fpasswd",
        "/etc/passwd",
        "odd//a%20b%2Bc%3Dd%26e.txt",
        "odd/./.hidden",
        "odd/",
        "odd",
        "links/out.txt",
        "links/in.txt",
        "links/dir/secret.txt",
        "links/fifo",
        "notnc.txt%00.nc",
        "empty",
    ],
)
def test_nothing_outside_the_root_no_link_no_special_file(
    archive_server: GrenierServer, s3: Any, raw_key: str
) -> None:
    """Keys that name nothing inside the tree: 404 NoSuchKey, whoever asks."""
    anon_policy(s3)
    try:
        status, body = http("GET", f"{archive_server.endpoint}/{BUCKET}/{raw_key}")
    finally:
        s3.delete_bucket_policy(Bucket=BUCKET)
    assert status == 404, body
    assert b"<Code>NoSuchKey</Code>" in body
    assert b"SECRET" not in body


def test_root_sees_no_link_either(s3: Any) -> None:
    for key in ("links/out.txt", "links/in.txt", "links/dir/secret.txt", "links/fifo"):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            s3.get_object(Bucket=BUCKET, Key=key)
        assert err.value.response["Error"]["Code"] == "NoSuchKey"


def test_bucket_level_reads(s3: Any) -> None:
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert BUCKET in names
    s3.head_bucket(Bucket=BUCKET)
    assert s3.get_bucket_location(Bucket=BUCKET).get("LocationConstraint") in (None, "")
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert s3.get_object_tagging(Bucket=BUCKET, Key="notnc.txt")["TagSet"] == []


def anon_policy(s3: Any) -> None:
    """Anonymous read of the archive (mc's "download" canned policy)."""
    import json

    arn = f"arn:aws:s3:::{BUCKET}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": [arn],
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"{arn}/*"],
            },
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))


def test_walk_helper_sees_the_links_it_must_skip(archive_root: Path) -> None:
    """The fixture really has the links and the FIFO the tests above rely on."""
    links = archive_root / "links"
    assert os.path.islink(links / "out.txt") and os.path.islink(links / "dir")
    assert (links / "dir" / "secret.txt").read_bytes().startswith(b"SECRET")
    assert not (links / "fifo").is_file()
