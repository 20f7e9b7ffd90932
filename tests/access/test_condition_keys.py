"""Policy condition keys the server fills in from each request, through real boto3 calls:
object tags (existing and requested, also in PutObjectTagging bodies and multipart
uploads), the copy source (CopyObject and UploadPartCopy), the metadata directive, the
ACL and grant headers, and the ...IfExists operators."""

from __future__ import annotations

from typing import Any

import pytest

from tests.access.conftest import Account, outcome, uid


def allow(actions: list[str], resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture(scope="module")
def tenant(make_account: Any) -> Account:
    acct: Account = make_account()
    return acct


@pytest.fixture
def bucket(tenant: Account) -> str:
    name = uid("cond")
    tenant.s3.create_bucket(Bucket=name)
    return name


def tags(**pairs: str) -> dict[str, Any]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs.items()]}


def test_existing_object_tag(tenant: Account, bucket: str) -> None:
    tenant.s3.put_object(Bucket=bucket, Key="open", Body=b"o", Tagging="class=public")
    tenant.s3.put_object(Bucket=bucket, Key="closed", Body=b"c", Tagging="class=secret")
    tenant.s3.put_object(Bucket=bucket, Key="untagged", Body=b"u")
    cond = {"StringEquals": {"s3:ExistingObjectTag/class": "public"}}
    user = tenant.user(document=doc(allow(["s3:GetObject", "s3:GetObjectTagging"], f"arn:aws:s3:::{bucket}/*", cond)))  # fmt: skip
    assert user.s3.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    assert outcome(lambda: user.s3.get_object_tagging(Bucket=bucket, Key="open")) == 200
    assert outcome(lambda: user.s3.get_object(Bucket=bucket, Key="closed")) == 403
    assert outcome(lambda: user.s3.get_object(Bucket=bucket, Key="untagged")) == 403
    tenant.s3.put_object_tagging(Bucket=bucket, Key="closed", Tagging=tags(**{"class": "public"}))
    assert outcome(lambda: user.s3.get_object(Bucket=bucket, Key="closed")) == 200


def test_request_object_tag_on_put_multipart_and_tagging(tenant: Account, bucket: str) -> None:
    cond = {"StringEquals": {"s3:RequestObjectTag/project": "portail"}}
    arn = f"arn:aws:s3:::{bucket}/*"
    user = tenant.user(
        document=doc(
            allow(["s3:PutObject", "s3:PutObjectTagging"], arn, cond),
            allow(["s3:AbortMultipartUpload"], arn),
        )
    )
    s3 = user.s3

    def ok() -> Any:
        return s3.put_object(Bucket=bucket, Key="a", Body=b"x", Tagging="project=portail")

    assert outcome(ok) == 200
    assert outcome(lambda: s3.put_object(Bucket=bucket, Key="b", Body=b"x")) == 403
    assert outcome(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"x", Tagging="project=other")) == 403  # fmt: skip
    # A multipart upload is judged like a single PUT: its parts and its completion with
    # the tags it was created with.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", Tagging="project=portail")
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=upload["UploadId"], PartNumber=1, Body=b"mp")  # fmt: skip
    done = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload["UploadId"], MultipartUpload=done)  # fmt: skip
    assert tenant.s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"mp"
    assert outcome(lambda: s3.create_multipart_upload(Bucket=bucket, Key="n")) == 403

    # PutObjectTagging carries its tags in the body.
    def put_tags(value: str) -> Any:
        return s3.put_object_tagging(Bucket=bucket, Key="a", Tagging=tags(project=value))

    assert outcome(lambda: put_tags("portail")) == 200
    assert outcome(lambda: put_tags("other")) == 403
    assert tenant.s3.get_object_tagging(Bucket=bucket, Key="a")["TagSet"] == [
        {"Key": "project", "Value": "portail"}
    ]


def test_request_object_tag_keys(tenant: Account, bucket: str) -> None:
    cond = {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["project", "owner"]}}
    user = tenant.user(document=doc(allow(["s3:PutObject"], f"arn:aws:s3:::{bucket}/*", cond)))

    def put(tagging: str) -> Any:
        return user.s3.put_object(Bucket=bucket, Key=uid("k"), Body=b"x", Tagging=tagging)

    assert outcome(lambda: put("project=a&owner=b")) == 200
    assert outcome(lambda: put("project=a&secret=b")) == 403


def test_copy_source_and_upload_part_copy(tenant: Account, bucket: str) -> None:
    tenant.s3.put_object(Bucket=bucket, Key="public/a", Body=b"p" * 10)
    tenant.s3.put_object(Bucket=bucket, Key="private/a", Body=b"s" * 10)
    arn = f"arn:aws:s3:::{bucket}"
    cond = {"StringLike": {"s3:x-amz-copy-source": f"{bucket}/public/*"}}
    user = tenant.user(
        document=doc(
            allow(["s3:GetObject"], f"{arn}/*"),
            allow(["s3:PutObject"], f"{arn}/copies/*", cond),
            allow(["s3:PutObject"], f"{arn}/uploads/*"),
        )
    )
    s3 = user.s3

    def copy(src: str) -> Any:
        return s3.copy_object(
            Bucket=bucket, Key="copies/x", CopySource={"Bucket": bucket, "Key": src}
        )

    assert outcome(lambda: copy("public/a")) == 200
    assert outcome(lambda: copy("private/a")) == 403
    upload = tenant.s3.create_multipart_upload(Bucket=bucket, Key="copies/mp")["UploadId"]

    def part_copy(src: str) -> Any:
        return s3.upload_part_copy(
            Bucket=bucket, Key="copies/mp", UploadId=upload, PartNumber=1,
            CopySource={"Bucket": bucket, "Key": src},
        )  # fmt: skip

    assert outcome(lambda: part_copy("public/a")) == 200
    assert outcome(lambda: part_copy("private/a")) == 403
    # Without the condition a plain part upload works where the policy allows it.
    up2 = tenant.s3.create_multipart_upload(Bucket=bucket, Key="uploads/u")["UploadId"]

    def part() -> Any:
        return s3.upload_part(Bucket=bucket, Key="uploads/u", UploadId=up2, PartNumber=1, Body=b"x")

    assert outcome(part) == 200


def test_metadata_directive(tenant: Account, bucket: str) -> None:
    tenant.s3.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata={"a": "1"})
    arn = f"arn:aws:s3:::{bucket}/*"
    deny = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": arn,
            "Condition": {"StringEquals": {"s3:x-amz-metadata-directive": "REPLACE"}}}  # fmt: skip
    user = tenant.user(document=doc(allow(["s3:GetObject", "s3:PutObject"], arn), deny))
    src = {"Bucket": bucket, "Key": "src"}
    assert outcome(lambda: user.s3.copy_object(Bucket=bucket, Key="c1", CopySource=src)) == 200

    def replace() -> Any:
        return user.s3.copy_object(
            Bucket=bucket,
            Key="c2",
            CopySource=src,
            MetadataDirective="REPLACE",
            Metadata={"b": "2"},
        )

    assert outcome(replace) == 403


def test_acl_and_grant_headers_across_accounts(tenant: Account, make_account: Any, bucket: str) -> None:  # fmt: skip
    """The classic: another account may write only if the bucket owner gets full control
    (x-amz-acl on one prefix, x-amz-grant-full-control on another)."""
    writer: Account = make_account()
    arn = f"arn:aws:s3:::{bucket}"
    principal = {"AWS": writer.account_id}
    policy = doc(
        {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": f"{arn}/acl/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": f"{arn}/grant/*",
         "Condition": {"StringEquals": {"s3:x-amz-grant-full-control": f"id={tenant.canonical_id}"}}},
    )  # fmt: skip
    import json

    tenant.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    w = writer.s3
    assert outcome(lambda: w.put_object(Bucket=bucket, Key="acl/a", Body=b"x")) == 403
    assert outcome(lambda: w.put_object(Bucket=bucket, Key="acl/a", Body=b"x", ACL="bucket-owner-full-control")) == 200  # fmt: skip
    assert outcome(lambda: w.put_object(Bucket=bucket, Key="grant/a", Body=b"x")) == 403
    grant = f'id="{tenant.canonical_id}"'
    assert outcome(lambda: w.put_object(Bucket=bucket, Key="grant/a", Body=b"x", GrantFullControl=grant)) == 200  # fmt: skip
    # The writer owns what it wrote (ObjectWriter); the grant lets the bucket owner read it.
    assert tenant.s3.get_object(Bucket=bucket, Key="grant/a")["Body"].read() == b"x"
    assert tenant.s3.get_object(Bucket=bucket, Key="acl/a")["Body"].read() == b"x"
    acl = tenant.s3.get_object_acl(Bucket=bucket, Key="grant/a")
    assert acl["Owner"]["ID"] == writer.canonical_id


def test_if_exists_operators(tenant: Account, bucket: str) -> None:
    arn = f"arn:aws:s3:::{bucket}/*"
    lenient = tenant.user(document=doc(allow(["s3:PutObject"], arn, {"StringEqualsIfExists": {"s3:x-amz-storage-class": "STANDARD"}})))  # fmt: skip
    strict = tenant.user(document=doc(allow(["s3:PutObject"], arn, {"StringEquals": {"s3:x-amz-storage-class": "STANDARD"}})))  # fmt: skip

    def put(s3: Any, **kw: Any) -> Any:
        return lambda: s3.put_object(Bucket=bucket, Key=uid("k"), Body=b"x", **kw)

    assert outcome(put(lenient.s3)) == 200  # key absent: ...IfExists is true
    assert outcome(put(lenient.s3, StorageClass="STANDARD")) == 200
    assert outcome(put(lenient.s3, StorageClass="STANDARD_IA")) == 403
    assert outcome(put(strict.s3)) == 403  # key absent: StringEquals is false
    assert outcome(put(strict.s3, StorageClass="STANDARD")) == 200


def test_multipart_judged_like_a_single_put_across_accounts(tenant: Account, make_account: Any, bucket: str) -> None:  # fmt: skip
    """The classic "bucket owner gets full control" policy: a Deny when x-amz-acl is not
    bucket-owner-full-control. Parts carry no x-amz-acl; they are judged with their
    upload's, so a compliant multipart upload goes through and a non-compliant one
    never starts."""
    import json

    writer: Account = make_account()
    arn = f"arn:aws:s3:::{bucket}/*"
    principal = {"AWS": writer.account_id}
    policy = doc(
        {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": arn},
        {"Effect": "Deny", "Principal": principal, "Action": "s3:PutObject", "Resource": arn,
         "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    )  # fmt: skip
    tenant.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    w = writer.s3
    assert outcome(lambda: w.create_multipart_upload(Bucket=bucket, Key="no-acl")) == 403
    upload = w.create_multipart_upload(Bucket=bucket, Key="k", ACL="bucket-owner-full-control")
    uid_ = upload["UploadId"]
    part = w.upload_part(Bucket=bucket, Key="k", UploadId=uid_, PartNumber=1, Body=b"x" * 10)
    done = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    w.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid_, MultipartUpload=done)
    assert tenant.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x" * 10
