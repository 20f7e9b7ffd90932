"""The S3 operation -> IAM action table."""

from __future__ import annotations

import pytest

from grenier.iam.actions import OPERATIONS, S3_ACTIONS, actions_for, is_known_s3_action


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("ListBuckets", [("s3:ListAllMyBuckets", "service")]),
        ("HeadBucket", [("s3:ListBucket", "bucket")]),
        ("ListObjectsV2", [("s3:ListBucket", "bucket")]),
        ("ListObjectVersions", [("s3:ListBucketVersions", "bucket")]),
        ("HeadObject", [("s3:GetObject", "object")]),
        ("CopyObject", [("s3:GetObject", "copy_source"), ("s3:PutObject", "object")]),
        ("UploadPart", [("s3:PutObject", "object")]),
        ("ListParts", [("s3:ListMultipartUploadParts", "object")]),
        ("ListMultipartUploads", [("s3:ListBucketMultipartUploads", "bucket")]),
        ("DeleteBucketCors", [("s3:PutBucketCORS", "bucket")]),
        ("DeleteBucketLifecycle", [("s3:PutLifecycleConfiguration", "bucket")]),
        ("GetBucketLifecycleConfiguration", [("s3:GetLifecycleConfiguration", "bucket")]),
        ("DeleteBucketTagging", [("s3:PutBucketTagging", "bucket")]),
        ("GetBucketPolicyStatus", [("s3:GetBucketPolicyStatus", "bucket")]),
    ],
)
def test_operation_actions(operation: str, expected: list[tuple[str, str]]) -> None:
    assert actions_for(operation) == expected


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("GetObject", [("s3:GetObjectVersion", "object")]),
        ("HeadObject", [("s3:GetObjectVersion", "object")]),
        ("DeleteObject", [("s3:DeleteObjectVersion", "object")]),
        ("GetObjectTagging", [("s3:GetObjectVersionTagging", "object")]),
        ("PutObjectAcl", [("s3:PutObjectVersionAcl", "object")]),
        ("CopyObject", [("s3:GetObjectVersion", "copy_source"), ("s3:PutObject", "object")]),
        ("PutObject", [("s3:PutObject", "object")]),
    ],
)
def test_version_id_variants(operation: str, expected: list[tuple[str, str]]) -> None:
    assert actions_for(operation, version_id="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY") == expected


def test_every_mapped_action_is_a_known_action() -> None:
    lowered = {a.lower() for a in S3_ACTIONS}
    for operation in OPERATIONS:
        for version in (None, "v"):
            for action, kind in actions_for(operation, version_id=version):
                assert action.lower() in lowered, (operation, action)
                assert kind in ("service", "bucket", "object", "copy_source")


def test_unknown_operation_raises_key_error() -> None:
    with pytest.raises(KeyError):
        actions_for("FlyToMoon")


def test_action_name_validation() -> None:
    assert is_known_s3_action("s3:GetObject")
    assert is_known_s3_action("s3:getobject")
    assert is_known_s3_action("s3:Get*")
    assert is_known_s3_action("s3:*")
    assert not is_known_s3_action("s3:GetObjekt")
    assert not is_known_s3_action("s3:Zz*")
