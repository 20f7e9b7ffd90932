"""ACLs between accounts: grants to canonical IDs, e-mail addresses and groups (headers and
AccessControlPolicy bodies), unknown grantees, the bucket-owner-* canned ACLs, and who
owns an object another account writes under each object ownership setting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.access.conftest import Account, outcome, uid

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def error(call: Any) -> tuple[str, int, dict[str, Any]]:
    with pytest.raises(ClientError) as info:
        call()
    resp = info.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"], resp["Error"]


def grants(resp: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in resp["Grants"]
    ]


@pytest.fixture(scope="module")
def owner(make_account: Any) -> Account:
    acct: Account = make_account(f"{uid('owner')}@example.org")
    return acct


@pytest.fixture(scope="module")
def writer(make_account: Any) -> Account:
    acct: Account = make_account(f"{uid('writer')}@example.org")
    return acct


def new_bucket(account: Account, **kw: Any) -> str:
    name = uid("acl")
    account.s3.create_bucket(Bucket=name, **kw)
    return name


def test_grant_headers_name_accounts_and_groups(owner: Account, writer: Account, anon_s3: Any) -> None:  # fmt: skip
    bucket = new_bucket(owner)
    owner.s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"v",
        GrantRead=f'id="{writer.canonical_id}", uri="{ALL_USERS}"',
        GrantFullControl=f"id={owner.canonical_id}",
    )
    got = owner.s3.get_object_acl(Bucket=bucket, Key="k")
    assert grants(got) == [
        (writer.canonical_id, "READ"),
        (ALL_USERS, "READ"),
        (owner.canonical_id, "FULL_CONTROL"),
    ]
    assert got["Owner"] == {"ID": owner.canonical_id, "DisplayName": owner.name}
    names = {g["Grantee"].get("DisplayName") for g in got["Grants"]}
    assert writer.name in names
    assert writer.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert anon_s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_grant_by_email_and_by_body(owner: Account, writer: Account) -> None:
    bucket = new_bucket(owner)
    writer_email = writer.email
    assert writer_email
    owner.s3.put_bucket_acl(Bucket=bucket, GrantRead=f"emailAddress={writer_email}")
    assert grants(owner.s3.get_bucket_acl(Bucket=bucket)) == [(writer.canonical_id, "READ")]
    assert outcome(lambda: writer.s3.list_objects_v2(Bucket=bucket)) == 200
    policy = {
        "Owner": {"ID": owner.canonical_id},
        "Grants": [
            {
                "Grantee": {"Type": "CanonicalUser", "ID": owner.canonical_id},
                "Permission": "FULL_CONTROL",
            },  # fmt: skip
            {
                "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": writer_email},
                "Permission": "WRITE",
            },  # fmt: skip
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ_ACP"},
        ],
    }
    owner.s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    assert grants(owner.s3.get_bucket_acl(Bucket=bucket)) == [
        (owner.canonical_id, "FULL_CONTROL"),
        (writer.canonical_id, "WRITE"),
        (ALL_USERS, "READ_ACP"),
    ]
    assert outcome(lambda: writer.s3.list_objects_v2(Bucket=bucket)) == 403  # READ is gone
    assert outcome(lambda: writer.s3.put_object(Bucket=bucket, Key="w", Body=b"w")) == 200


def test_unknown_grantees_are_refused(owner: Account) -> None:
    bucket = new_bucket(owner)
    s3 = owner.s3
    bad_id = "f" * 64
    code, status, body = error(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=f"id={bad_id}"))
    assert (code, status, body["Message"]) == ("InvalidArgument", 400, "Invalid id")
    assert body["ArgumentName"] == "id"
    assert error(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead="id=not-hex"))[:2] == ("InvalidArgument", 400)  # fmt: skip
    nobody = "nobody@nowhere.invalid"
    assert error(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=f"emailAddress={nobody}"))[:2] == ("UnresolvableGrantByEmailAddress", 400)  # fmt: skip
    code, status, body = error(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead='uri="http://acs.amazonaws.com/groups/global/Everyone"'))  # fmt: skip
    assert (code, status, body["Message"]) == ("InvalidArgument", 400, "Invalid group uri")
    code, status, body = error(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"", GrantRead="friend=alice"))  # fmt: skip
    assert (code, status, body["ArgumentName"]) == ("InvalidArgument", 400, "x-amz-grant-read")
    body_grant = {
        "Owner": {"ID": owner.canonical_id},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": bad_id}, "Permission": "READ"}],
    }
    assert error(lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=body_grant))[:2] == ("InvalidArgument", 400)  # fmt: skip

    def both() -> Any:
        return s3.put_bucket_acl(Bucket=bucket, ACL="private", GrantRead=f"id={owner.canonical_id}")

    assert error(both)[:2] == ("InvalidRequest", 400)
    # Nothing was applied by the refused requests.
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == [(owner.canonical_id, "FULL_CONTROL")]


@pytest.mark.parametrize(
    ("ownership", "canned", "owned_by_bucket_owner"),
    [
        ("ObjectWriter", None, False),
        ("ObjectWriter", "bucket-owner-full-control", False),
        ("BucketOwnerPreferred", None, False),
        ("BucketOwnerPreferred", "bucket-owner-full-control", True),
        ("BucketOwnerEnforced", None, True),
        ("BucketOwnerEnforced", "bucket-owner-full-control", True),
    ],
)
def test_who_owns_what_another_account_writes(owner: Account, writer: Account, ownership: str, canned: str | None, owned_by_bucket_owner: bool) -> None:  # fmt: skip
    bucket = new_bucket(owner, ObjectOwnership=ownership)
    grant = f"id={writer.canonical_id}"
    if ownership == "BucketOwnerEnforced":
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": writer.account_id}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}  # fmt: skip
        owner.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    else:
        owner.s3.put_bucket_acl(Bucket=bucket, GrantWrite=grant, GrantFullControl=f"id={owner.canonical_id}")  # fmt: skip
    extra = {"ACL": canned} if canned else {}
    writer.s3.put_object(Bucket=bucket, Key="k", Body=b"data", **extra)
    expected = owner.canonical_id if owned_by_bucket_owner else writer.canonical_id
    reader = owner if owned_by_bucket_owner or canned else writer
    acl = reader.s3.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Owner"]["ID"] == expected
    bucket_owner_reads = owned_by_bucket_owner or canned == "bucket-owner-full-control"
    got = outcome(lambda: owner.s3.get_object(Bucket=bucket, Key="k"))
    assert got == (200 if bucket_owner_reads else 403)
    # The bucket owner may always delete what is in its bucket.
    owner.s3.delete_object(Bucket=bucket, Key="k")


def test_bucket_owner_read_and_full_control(owner: Account, writer: Account) -> None:
    bucket = new_bucket(owner, ACL="public-read-write")
    writer.s3.put_object(Bucket=bucket, Key="r", Body=b"r", ACL="bucket-owner-read")
    writer.s3.put_object(Bucket=bucket, Key="f", Body=b"f", ACL="bucket-owner-full-control")
    assert grants(writer.s3.get_object_acl(Bucket=bucket, Key="r")) == [
        (writer.canonical_id, "FULL_CONTROL"),
        (owner.canonical_id, "READ"),
    ]
    assert grants(writer.s3.get_object_acl(Bucket=bucket, Key="f")) == [
        (writer.canonical_id, "FULL_CONTROL"),
        (owner.canonical_id, "FULL_CONTROL"),
    ]
    assert owner.s3.get_object(Bucket=bucket, Key="r")["Body"].read() == b"r"
    assert outcome(lambda: owner.s3.get_object_acl(Bucket=bucket, Key="r")) == 403
    assert outcome(lambda: owner.s3.put_object_acl(Bucket=bucket, Key="f", ACL="private")) == 200
    # The owner of the bucket wrote its own objects' ACL: bucket-owner-read is just private.
    owner.s3.put_object(Bucket=bucket, Key="mine", Body=b"m", ACL="bucket-owner-read")
    assert grants(owner.s3.get_object_acl(Bucket=bucket, Key="mine")) == [
        (owner.canonical_id, "FULL_CONTROL")
    ]
    # Canned public-read-write on the bucket lists groups first, as RGW does.
    bucket_acl = grants(owner.s3.get_bucket_acl(Bucket=bucket))
    assert bucket_acl == [(ALL_USERS, "READ"), (ALL_USERS, "WRITE"), (owner.canonical_id, "FULL_CONTROL")]  # fmt: skip


def test_enforcing_ownership_gives_objects_to_the_bucket_owner(owner: Account, writer: Account) -> None:  # fmt: skip
    bucket = new_bucket(owner)
    owner.s3.put_bucket_acl(Bucket=bucket, GrantWrite=f"id={writer.canonical_id}", GrantFullControl=f"id={owner.canonical_id}")  # fmt: skip
    writer.s3.put_object(Bucket=bucket, Key="k", Body=b"w")
    assert outcome(lambda: owner.s3.get_object(Bucket=bucket, Key="k")) == 403
    owner.s3.put_bucket_acl(Bucket=bucket, ACL="private")
    enforced = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    owner.s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=enforced)
    assert owner.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"w"
    acl = owner.s3.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Owner"]["ID"] == owner.canonical_id
    assert grants(acl) == [(owner.canonical_id, "FULL_CONTROL")]
