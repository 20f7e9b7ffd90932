"""Canned ACLs, the owner's FULL_CONTROL, and object ownership controls."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.features.conftest import error_of

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def grants(resp: dict[str, Any]) -> set[tuple[str, str]]:
    out = set()
    for g in resp["Grants"]:
        who = g["Grantee"].get("URI") or g["Grantee"]["Type"]
        out.add((who, g["Permission"]))
    return out


OWNER = ("CanonicalUser", "FULL_CONTROL")
EXPECTED = {
    "private": {OWNER},
    "public-read": {OWNER, (ALL_USERS, "READ")},
    "public-read-write": {OWNER, (ALL_USERS, "READ"), (ALL_USERS, "WRITE")},
    "authenticated-read": {OWNER, (AUTH_USERS, "READ")},
}


@pytest.fixture
def acl_bucket(s3: Any) -> str:
    """A bucket whose ownership allows ACLs (ObjectWriter)."""
    name = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    return name


def test_default_ownership_accepts_acls(s3: Any) -> None:
    """Without x-amz-object-ownership a bucket has no ownership controls: ACLs work, as
    on S3 servers other than post-2023 AWS (s3cmd -P, rclone's acl option)."""
    name = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ACL="public-read")
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=name)
    assert error_of(exc) == ("OwnershipControlsNotFoundError", 404)
    assert grants(s3.get_bucket_acl(Bucket=name)) == EXPECTED["public-read"]
    s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read")
    assert grants(s3.get_object_acl(Bucket=name, Key="k")) == EXPECTED["public-read"]


def test_bucket_owner_enforced_refuses_acls(s3: Any) -> None:
    bucket = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced")
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert grants(acl) == {OWNER} and acl["Owner"]["ID"]
    for call in (
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("AccessControlListNotSupported", 400)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == {OWNER}
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(
            Bucket=f"acl-{uuid.uuid4().hex[:12]}",
            ACL="public-read",
            ObjectOwnership="BucketOwnerEnforced",
        )
    assert error_of(exc) == ("InvalidBucketAclWithObjectOwnership", 400)


@pytest.mark.parametrize("canned", sorted(EXPECTED))
def test_bucket_canned_acl_round_trip(s3: Any, acl_bucket: str, canned: str) -> None:
    s3.put_bucket_acl(Bucket=acl_bucket, ACL=canned)
    assert grants(s3.get_bucket_acl(Bucket=acl_bucket)) == EXPECTED[canned]


@pytest.mark.parametrize("canned", sorted(EXPECTED))
def test_object_canned_acl_round_trip(s3: Any, acl_bucket: str, canned: str) -> None:
    s3.put_object(Bucket=acl_bucket, Key="put", Body=b"x", ACL=canned)
    assert grants(s3.get_object_acl(Bucket=acl_bucket, Key="put")) == EXPECTED[canned]
    s3.put_object(Bucket=acl_bucket, Key="later", Body=b"x")
    s3.put_object_acl(Bucket=acl_bucket, Key="later", ACL=canned)
    assert grants(s3.get_object_acl(Bucket=acl_bucket, Key="later")) == EXPECTED[canned]


def test_copy_takes_its_own_acl(s3: Any, acl_bucket: str) -> None:
    s3.put_object(Bucket=acl_bucket, Key="src", Body=b"x", ACL="public-read")
    src = {"Bucket": acl_bucket, "Key": "src"}
    s3.copy_object(Bucket=acl_bucket, Key="plain", CopySource=src)
    assert grants(s3.get_object_acl(Bucket=acl_bucket, Key="plain")) == EXPECTED["private"]
    s3.copy_object(Bucket=acl_bucket, Key="auth", CopySource=src, ACL="authenticated-read")
    assert (
        grants(s3.get_object_acl(Bucket=acl_bucket, Key="auth")) == EXPECTED["authenticated-read"]
    )


def test_create_bucket_with_acl_and_acl_body(s3: Any) -> None:
    name = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, ACL="public-read", ObjectOwnership="BucketOwnerPreferred")
    acl = s3.get_bucket_acl(Bucket=name)
    assert grants(acl) == EXPECTED["public-read"]
    # Writing back what was read (minus the public grant) is understood: private.
    owner_only = [g for g in acl["Grants"] if "URI" not in g["Grantee"]]
    s3.put_bucket_acl(
        Bucket=name, AccessControlPolicy={"Grants": owner_only, "Owner": acl["Owner"]}
    )
    assert grants(s3.get_bucket_acl(Bucket=name)) == EXPECTED["private"]


def test_ownership_controls_lifecycle(s3: Any, acl_bucket: str) -> None:
    s3.put_bucket_acl(Bucket=acl_bucket, ACL="public-read")
    enforced = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_ownership_controls(Bucket=acl_bucket, OwnershipControls=enforced)
    assert error_of(exc) == ("InvalidBucketAclWithObjectOwnership", 400)
    s3.put_bucket_acl(Bucket=acl_bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=acl_bucket, OwnershipControls=enforced)
    s3.delete_bucket_ownership_controls(Bucket=acl_bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=acl_bucket)
    assert error_of(exc) == ("OwnershipControlsNotFoundError", 404)
    s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x", ACL="public-read")  # ACLs enabled


def test_unknown_canned_acl(s3: Any, acl_bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x", ACL="world-writable")
    assert error_of(exc) == ("InvalidArgument", 400)


def test_multipart_upload_keeps_its_canned_acl(s3: Any, acl_bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=acl_bucket, Key="mp", ACL="public-read")
    part = s3.upload_part(
        Bucket=acl_bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"x"
    )
    s3.complete_multipart_upload(
        Bucket=acl_bucket,
        Key="mp",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert grants(s3.get_object_acl(Bucket=acl_bucket, Key="mp")) == EXPECTED["public-read"]


def test_copy_does_not_inherit_the_source_acl(s3: Any, acl_bucket: str) -> None:
    s3.put_object(Bucket=acl_bucket, Key="src", Body=b"x", ACL="public-read")
    s3.copy_object(Bucket=acl_bucket, Key="dst", CopySource={"Bucket": acl_bucket, "Key": "src"})
    assert grants(s3.get_object_acl(Bucket=acl_bucket, Key="dst")) == EXPECTED["private"]


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.servers import GrenierServer

    server = GrenierServer.start(
        tmp_path_factory.mktemp("enforced") / "data",
        "--default-object-ownership",
        "BucketOwnerEnforced",
    )
    yield server
    server.stop()


def test_server_flag_chooses_aws_default_ownership(enforcing: Any) -> None:
    """--default-object-ownership BucketOwnerEnforced: new buckets refuse ACLs as on AWS
    since 2023, unless the request chooses an ownership itself."""
    s3 = enforcing.client()
    name = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read")
    assert error_of(exc) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=f"acl-{uuid.uuid4().hex[:12]}", ACL="public-read")
    assert error_of(exc) == ("InvalidBucketAclWithObjectOwnership", 400)
    chosen = f"acl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=chosen, ACL="public-read", ObjectOwnership="ObjectWriter")
    assert grants(s3.get_bucket_acl(Bucket=chosen)) == EXPECTED["public-read"]
