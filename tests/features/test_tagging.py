"""Object and bucket tagging with S3's limits and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.features.conftest import error_of


def tagset(tags: dict[str, str]) -> dict[str, Any]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def as_dict(resp: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resp["TagSet"]}


def test_object_tagging_round_trip(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=two%20words")
    assert as_dict(s3.get_object_tagging(Bucket=bucket, Key="k")) == {"a": "1", "b": "two words"}
    assert (
        s3.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"][
            "x-amz-tagging-count"
        ]
        == "2"
    )
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"c": "3"}))
    assert as_dict(s3.get_object_tagging(Bucket=bucket, Key="k")) == {"c": "3"}
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert error_of(exc) == ("NoSuchKey", 404)


def test_copy_tagging_directive(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1")
    s3.copy_object(Bucket=bucket, Key="same", CopySource={"Bucket": bucket, "Key": "src"})
    assert as_dict(s3.get_object_tagging(Bucket=bucket, Key="same")) == {"a": "1"}
    s3.copy_object(
        Bucket=bucket,
        Key="new",
        CopySource={"Bucket": bucket, "Key": "src"},
        TaggingDirective="REPLACE",
        Tagging="z=9",
    )
    assert as_dict(s3.get_object_tagging(Bucket=bucket, Key="new")) == {"z": "9"}


def test_tagging_specific_versions(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"1")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="k", Body=b"2", Tagging="new=yes")
    out = s3.put_object_tagging(Bucket=vbucket, Key="k", VersionId=v1, Tagging=tagset({"o": "1"}))
    assert out["VersionId"] == v1
    assert as_dict(s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)) == {"o": "1"}
    assert as_dict(s3.get_object_tagging(Bucket=vbucket, Key="k")) == {"new": "yes"}


@pytest.mark.parametrize(
    "tags",
    [
        {f"k{i}": "v" for i in range(11)},
        {"k" * 129: "v"},
        {"k": "v" * 257},
        {"aws:reserved": "v"},
    ],
    ids=["11-tags", "long-key", "long-value", "aws-prefix"],
)
def test_object_tag_limits(s3: Any, bucket: str, tags: dict[str, str]) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(tags))
    assert error_of(exc) == ("InvalidTag", 400)


def test_limits_at_the_edge_are_accepted(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    tags = {f"{i}".ljust(128, "k"): "v" * 256 for i in range(10)}
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(tags))
    assert as_dict(s3.get_object_tagging(Bucket=bucket, Key="k")) == tags


def test_duplicate_keys_and_header_limits(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    dup = {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=dup)
    assert error_of(exc) == ("InvalidTag", 400)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k2", Body=b"x", Tagging="a=1&a=2")
    assert error_of(exc) == ("InvalidTag", 400)
    too_many = "&".join(f"k{i}=v" for i in range(11))
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k3", Body=b"x", Tagging=too_many)
    assert error_of(exc) == ("InvalidTag", 400)


def test_bucket_tagging(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(exc) == ("NoSuchTagSet", 404)
    tags = {f"t{i}": str(i) for i in range(50)}
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset(tags))
    assert as_dict(s3.get_bucket_tagging(Bucket=bucket)) == tags
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({**tags, "t50": "x"}))
    assert error_of(exc) == ("InvalidTag", 400)
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(exc) == ("NoSuchTagSet", 404)
