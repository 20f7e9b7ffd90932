"""Lifecycle: configuration round trip and AWS's validation errors, then the sweeper
expiring objects, old versions, lone delete markers and stale uploads (``fast`` server:
a sweep every 0.5 s, one-second days)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.features.conftest import error_of
from tests.servers import GrenierServer


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached before timeout")


def put_rules(s3: Any, bucket: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": list(rules)}
    )


def test_round_trip_and_delete(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(exc) == ("NoSuchLifecycleConfiguration", 404)
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Days": 30}},
        {"ID": "tmp", "Status": "Disabled",
         "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "t", "Value": "1"}]}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2}},
        {"ID": "mpu", "Status": "Enabled", "Filter": {},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Tag": {"Key": "a", "Value": "b"}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
    ]  # fmt: skip
    put_rules(s3, bucket, *rules)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert got == rules
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(exc) == ("NoSuchLifecycleConfiguration", 404)


BASE = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}}


@pytest.mark.parametrize(
    "rules,code",
    [
        ([{**BASE, "Expiration": {"Days": 0}}], "InvalidArgument"),
        ([{**BASE, "ID": "x" * 256, "Expiration": {"Days": 1}}], "InvalidArgument"),
        ([{**BASE, "Expiration": {"Days": 1}}, {**BASE, "Expiration": {"Days": 2}}],
         "InvalidArgument"),
        ([{**BASE, "Status": "On", "Expiration": {"Days": 1}}], "MalformedXML"),
        ([BASE], "InvalidRequest"),
        ([{**BASE, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}}],
         "InvalidArgument"),
        ([{**BASE, "Filter": {"Tag": {"Key": "a", "Value": "b"}},
           "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}], "InvalidRequest"),
        ([{**BASE, "NoncurrentVersionExpiration": {"NoncurrentDays": -1}}], "InvalidArgument"),
    ],
    ids=["days-0", "long-id", "same-id", "bad-status", "no-action", "marker-and-days",
         "tags-and-abort", "negative-noncurrent"],
)  # fmt: skip
def test_validation_errors(s3: Any, bucket: str, rules: list[dict[str, Any]], code: str) -> None:
    with pytest.raises(ClientError) as exc:
        put_rules(s3, bucket, *rules)
    assert error_of(exc) == (code, 400)


def test_date_must_be_midnight(s3: Any, bucket: str) -> None:
    noon = datetime(2030, 1, 1, 12, tzinfo=UTC)
    with pytest.raises(ClientError) as exc:
        put_rules(s3, bucket, {**BASE, "Expiration": {"Date": noon}})
    assert error_of(exc) == ("InvalidArgument", 400)
    put_rules(s3, bucket, {**BASE, "Expiration": {"Date": noon.replace(hour=0)}})


@pytest.fixture
def fs3(fast: GrenierServer) -> Any:
    return fast.client()


@pytest.fixture
def fbucket(fs3: Any) -> str:
    name = f"lc-{uuid.uuid4().hex[:16]}"
    fs3.create_bucket(Bucket=name)
    return name


def keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_expiration_days_with_prefix_and_tags(fs3: Any, fbucket: str) -> None:
    fs3.put_object(Bucket=fbucket, Key="tmp/a", Body=b"x")
    fs3.put_object(Bucket=fbucket, Key="tmp/tagged", Body=b"x", Tagging="kind=scratch")
    fs3.put_object(Bucket=fbucket, Key="keep/b", Body=b"x", Tagging="kind=scratch")
    put_rules(
        fs3,
        fbucket,
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Days": 2}},
        {"ID": "tag", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}]}},
         "Expiration": {"Days": 1}},
    )  # fmt: skip
    wait_for(lambda: keys(fs3, fbucket) == ["keep/b", "tmp/a"])  # tagged: 1 day
    wait_for(lambda: keys(fs3, fbucket) == ["keep/b"])  # the rest under tmp/: 2 days
    time.sleep(1.5)
    assert keys(fs3, fbucket) == ["keep/b"]


def test_expiration_date_in_the_past(fs3: Any, fbucket: str) -> None:
    fs3.put_object(Bucket=fbucket, Key="old", Body=b"x")
    past = datetime(2020, 1, 1, tzinfo=UTC)
    put_rules(fs3, fbucket, {**BASE, "Expiration": {"Date": past}})
    wait_for(lambda: keys(fs3, fbucket) == [])


def test_versioned_expiration_noncurrent_and_markers(fs3: Any, fbucket: str) -> None:
    fs3.put_bucket_versioning(Bucket=fbucket, VersioningConfiguration={"Status": "Enabled"})
    ids = [fs3.put_object(Bucket=fbucket, Key="k", Body=str(i).encode())["VersionId"]
           for i in range(4)]  # fmt: skip
    put_rules(
        fs3,
        fbucket,
        {"ID": "nc", "Status": "Enabled", "Filter": {"Prefix": "k"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}},
    )  # fmt: skip

    def versions() -> list[str]:
        return [
            v["VersionId"] for v in fs3.list_object_versions(Bucket=fbucket).get("Versions", [])
        ]

    # The current version and the newest noncurrent one are kept.
    wait_for(lambda: versions() == [ids[3], ids[2]])
    # Expire current versions (a delete marker), then lone markers and old versions go.
    put_rules(
        fs3,
        fbucket,
        {"ID": "cur", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}},
        {"ID": "nc", "Status": "Enabled", "Filter": {},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"ID": "dm", "Status": "Enabled", "Filter": {},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
    )  # fmt: skip

    def empty() -> bool:
        resp = fs3.list_object_versions(Bucket=fbucket)
        return not resp.get("Versions") and not resp.get("DeleteMarkers")

    wait_for(empty)


def test_abort_incomplete_uploads(fs3: Any, fbucket: str) -> None:
    fs3.create_multipart_upload(Bucket=fbucket, Key="big/1")
    fs3.create_multipart_upload(Bucket=fbucket, Key="other/2")
    put_rules(
        fs3,
        fbucket,
        {"ID": "mpu", "Status": "Enabled", "Filter": {"Prefix": "big/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
    )  # fmt: skip

    def uploads() -> list[str]:
        return [u["Key"] for u in fs3.list_multipart_uploads(Bucket=fbucket).get("Uploads", [])]

    wait_for(lambda: uploads() == ["other/2"])


def test_disabled_rule_does_nothing(fs3: Any, fbucket: str) -> None:
    fs3.put_object(Bucket=fbucket, Key="a", Body=b"x")
    put_rules(fs3, fbucket, {**BASE, "Status": "Disabled", "Expiration": {"Days": 1}})
    time.sleep(2.5)
    assert keys(fs3, fbucket) == ["a"]
