"""Versioning through boto3: the state machine, null versions, delete markers, listing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.features.conftest import error_of


def versions(s3: Any, bucket: str, **kwargs: Any) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker) in listing order."""
    resp = s3.list_object_versions(Bucket=bucket, **kwargs)
    rows = [(v["Key"], v["VersionId"], v["IsLatest"], False) for v in resp.get("Versions", [])]
    rows += [(m["Key"], m["VersionId"], m["IsLatest"], True) for m in resp.get("DeleteMarkers", [])]
    return rows


def test_state_machine(s3: Any, bucket: str) -> None:
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    for status in ("Enabled", "Suspended", "Enabled"):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == status
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Off"})
    assert error_of(exc) == ("MalformedXML", 400)


def test_unversioned_bucket_lists_null_versions(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.put_object(Bucket=bucket, Key="a", Body=b"22")
    s3.put_object(Bucket=bucket, Key="b", Body=b"3")
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="c", Body=b"")
    assert versions(s3, bucket) == [
        ("a", "null", True, False),
        ("b", "null", True, False),
        ("c", "null", True, False),
    ]
    assert s3.get_object(Bucket=bucket, Key="a", VersionId="null")["Body"].read() == b"22"


def test_enabled_puts_get_ids_and_old_versions_stay(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and "null" not in (v1, v2)
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"two"
    got = s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)
    assert got["Body"].read() == b"one" and got["VersionId"] == v1
    assert s3.head_object(Bucket=vbucket, Key="k", VersionId=v1)["ContentLength"] == 3
    assert versions(s3, vbucket) == [("k", v2, True, False), ("k", v1, False, False)]


def test_delete_marker_semantics(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    out = s3.delete_object(Bucket=vbucket, Key="k")
    assert out["DeleteMarker"] is True
    marker = out["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k")
    assert error_of(exc) == ("NoSuchKey", 404)
    headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-delete-marker"] == "true"
    assert headers["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
    assert s3.list_objects_v2(Bucket=vbucket)["KeyCount"] == 0
    assert versions(s3, vbucket) == [("k", v1, False, False), ("k", marker, True, True)]
    # Deleting the marker by id brings the object back.
    out = s3.delete_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert out["DeleteMarker"] is True and out["VersionId"] == marker
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"one"
    # Deleting a version by id removes it for good.
    assert s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)["VersionId"] == v1
    assert versions(s3, vbucket) == []


def test_suspended_null_version_rules(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"v1")["VersionId"]
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=vbucket, Key="k", Body=b"null-1")
    s3.put_object(Bucket=vbucket, Key="k", Body=b"null-2")  # replaces the null version
    assert versions(s3, vbucket) == [("k", "null", True, False), ("k", v1, False, False)]
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"null-2"
    # DELETE in a suspended bucket: a null delete marker replaces the null version.
    out = s3.delete_object(Bucket=vbucket, Key="k")
    assert out["DeleteMarker"] is True and out["VersionId"] == "null"
    assert versions(s3, vbucket) == [("k", v1, False, False), ("k", "null", True, True)]
    # Enabled again: new versions stack on top, the null marker stays as a version.
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Enabled"})
    v3 = s3.put_object(Bucket=vbucket, Key="k", Body=b"v3")["VersionId"]
    rows = versions(s3, vbucket)
    assert ("k", v3, True, False) in rows and ("k", "null", False, True) in rows
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)["Body"].read() == b"v1"


def test_copy_and_multipart_get_version_ids(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="src", Body=b"second")
    out = s3.copy_object(
        Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "src", "VersionId": v1}
    )
    assert out["CopySourceVersionId"] == v1 and out["VersionId"] not in (None, "null")
    assert s3.get_object(Bucket=vbucket, Key="dst")["Body"].read() == b"first"
    up = s3.create_multipart_upload(Bucket=vbucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=vbucket, Key="mp", UploadId=up, PartNumber=1, Body=b"x")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=vbucket,
        Key="mp",
        UploadId=up,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert done["VersionId"] not in (None, "null")
    assert s3.head_object(Bucket=vbucket, Key="mp")["VersionId"] == done["VersionId"]


def test_delete_objects_with_versions(s3: Any, vbucket: str) -> None:
    v1 = s3.put_object(Bucket=vbucket, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="a", Body=b"2")["VersionId"]
    out = s3.delete_objects(
        Bucket=vbucket,
        Delete={"Objects": [{"Key": "a", "VersionId": v1}, {"Key": "b"}]},
    )
    deleted = {(d["Key"], d.get("VersionId"), d.get("DeleteMarker", False)) for d in out["Deleted"]}
    assert ("a", v1, False) in deleted and ("b", None, True) in deleted
    assert versions(s3, vbucket)[0] == ("a", v2, True, False)
    assert [r for r in versions(s3, vbucket) if r[0] == "b"][0][2:] == (True, True)


def test_list_versions_pagination_prefix_delimiter(s3: Any, vbucket: str) -> None:
    expected = []
    for key in ("d/x", "d/y", "e", "f"):
        ids = [s3.put_object(Bucket=vbucket, Key=key, Body=b"z")["VersionId"] for _ in range(3)]
        expected += [(key, vid) for vid in reversed(ids)]
    seen = []
    kwargs: dict[str, Any] = {"MaxKeys": 2}
    while True:
        resp = s3.list_object_versions(Bucket=vbucket, **kwargs)
        seen += [(v["Key"], v["VersionId"]) for v in resp.get("Versions", [])]
        if not resp["IsTruncated"]:
            break
        kwargs.update(KeyMarker=resp["NextKeyMarker"], VersionIdMarker=resp["NextVersionIdMarker"])
    assert seen == expected
    latest = [
        v["VersionId"] for v in s3.list_object_versions(Bucket=vbucket)["Versions"] if v["IsLatest"]
    ]
    assert latest == [expected[i][1] for i in (0, 3, 6, 9)]
    resp = s3.list_object_versions(Bucket=vbucket, Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["d/"]
    assert {v["Key"] for v in resp["Versions"]} == {"e", "f"}
    resp = s3.list_object_versions(Bucket=vbucket, Prefix="d/", KeyMarker="d/x")
    assert {v["Key"] for v in resp["Versions"]} == {"d/y"}


def test_list_versions_encoding_type(s3: Any, vbucket: str) -> None:
    s3.put_object(Bucket=vbucket, Key="sp ace+é", Body=b"z")
    resp = s3.list_object_versions(Bucket=vbucket, EncodingType="url")
    assert resp["Versions"][0]["Key"] == "sp%20ace%2B%C3%A9"  # asked for: not decoded
    with pytest.raises(ClientError) as exc:
        s3.list_object_versions(Bucket=vbucket, VersionIdMarker="x")
    assert error_of(exc)[1] == 400
