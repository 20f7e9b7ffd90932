"""The S3 access decision across accounts (grenier.iam.decide), as pure data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grenier.iam.acl import ALL_USERS, AUTH_USERS, CANONICAL, GROUP, Grant, canned_grants
from grenier.iam.decide import BucketView, ObjectView, decide
from grenier.iam.evaluate import AccessRequest, Principal
from grenier.iam.policy import Policy, parse_bucket_policy, parse_identity_policy
from grenier.iam.public_access import PublicAccessBlock

A_ID, B_ID = "111111111111", "222222222222"
A_CAN, B_CAN = "a" * 64, "b" * 64
A_ROOT = Principal("account", "root", account_id=A_ID, canonical_id=A_CAN, account_name="a")
B_ROOT = Principal("account", "root", account_id=B_ID, canonical_id=B_CAN, account_name="b")
A_USER = Principal("user", "alice", account_id=A_ID, canonical_id=A_CAN, account_name="a")
B_USER = Principal("user", "bob", account_id=B_ID, canonical_id=B_CAN, account_name="b")
SYSTEM = Principal("root", "root")
ANON = Principal.anonymous()
READ_ALL = parse_identity_policy(
    {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ]
    }  # fmt: skip
)


def bucket_policy(*statements: dict[str, Any]) -> Policy:
    return parse_bucket_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), "bkt")  # fmt: skip


def allow(principal: Any, action: str = "s3:GetObject", resource: str = "arn:aws:s3:::bkt/*") -> dict[str, Any]:  # fmt: skip
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}


def view(**kw: Any) -> BucketView:
    kw.setdefault("acl", canned_grants("private", A_CAN))
    return BucketView(name="bkt", owner=A_CAN, **kw)


def ok(principal: Principal, bucket: BucketView | None, identity: Any = (), action: str = "s3:GetObject", obj: ObjectView | None = None) -> bool:  # fmt: skip
    key = "k" if action.startswith("s3:GetObject") or action.startswith("s3:PutObject") else None
    req = AccessRequest(principal, action, "bkt", key)
    return decide(req, list(identity), bucket, obj)


def test_system_root_and_own_root_need_no_grant() -> None:
    assert ok(SYSTEM, view())
    assert ok(A_ROOT, view())
    assert not ok(B_ROOT, view())
    assert not ok(ANON, view())


def test_users_start_with_nothing_even_in_their_own_account() -> None:
    assert not ok(A_USER, view())
    assert ok(A_USER, view(), [READ_ALL])


def test_cross_account_needs_both_sides() -> None:
    shared = view(policy=bucket_policy(allow({"AWS": B_ID})))
    assert ok(B_ROOT, shared)  # the account root has its account's every permission
    assert not ok(B_USER, shared)  # ... its users need their own policy too
    assert ok(B_USER, shared, [READ_ALL])
    assert not ok(B_USER, view(), [READ_ALL])  # identity alone is not enough


def test_account_principal_forms() -> None:
    for principal in (
        {"AWS": f"arn:aws:iam::{B_ID}:root"},
        {"AWS": B_ID},
        {"CanonicalUser": B_CAN},
    ):
        assert ok(B_ROOT, view(policy=bucket_policy(allow(principal)))), principal
    user_grant = view(policy=bucket_policy(allow({"AWS": f"arn:aws:iam::{B_ID}:user/bob"})))
    assert ok(B_USER, user_grant, [READ_ALL]) and not ok(B_USER, user_grant)
    other_name = view(policy=bucket_policy(allow({"AWS": f"arn:aws:iam::{A_ID}:user/bob"})))
    assert not ok(B_USER, other_name, [READ_ALL])  # same name, other account


def test_same_account_account_grant_is_delegated_but_user_grant_is_direct() -> None:
    to_account = view(policy=bucket_policy(allow({"AWS": A_ID})))
    assert not ok(A_USER, to_account)
    to_user = view(policy=bucket_policy(allow({"AWS": f"arn:aws:iam::{A_ID}:user/alice"})))
    assert ok(A_USER, to_user)
    assert ok(A_USER, view(policy=bucket_policy(allow("*"))))


def test_explicit_deny_wins_everywhere() -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": B_ID}, "Action": "s3:*", "Resource": "arn:aws:s3:::bkt/*"}  # fmt: skip
    shared = view(policy=bucket_policy(allow("*"), deny))
    assert not ok(B_ROOT, shared) and not ok(B_USER, shared, [READ_ALL])
    assert ok(ANON, shared)
    self_deny = parse_identity_policy({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})  # fmt: skip
    assert not ok(A_USER, view(), [READ_ALL, self_deny])


def test_bucket_acl_grants() -> None:
    grants = (*canned_grants("private", A_CAN), Grant(CANONICAL, B_CAN, "READ"), Grant(CANONICAL, B_CAN, "WRITE"))  # fmt: skip
    shared = view(acl=grants)
    assert ok(B_ROOT, shared, action="s3:ListBucket")
    assert ok(B_ROOT, shared, action="s3:PutObject")
    assert not ok(B_ROOT, shared, action="s3:GetObject")  # bucket READ does not read objects
    assert not ok(B_ROOT, shared, action="s3:GetBucketAcl")
    assert not ok(B_USER, shared, action="s3:ListBucket")
    assert ok(B_USER, shared, [READ_ALL], action="s3:ListBucket")
    public = view(acl=canned_grants("public-read", A_CAN))
    assert ok(ANON, public, action="s3:ListBucket")
    auth = view(acl=(Grant(GROUP, AUTH_USERS, "READ"),))
    assert ok(B_ROOT, auth, action="s3:ListBucket") and not ok(ANON, auth, action="s3:ListBucket")


def test_acls_count_for_nothing_under_bucket_owner_enforced() -> None:
    public = view(acl=canned_grants("public-read", A_CAN), acls_enabled=False)
    assert not ok(ANON, public, action="s3:ListBucket")
    obj = ObjectView(A_CAN, (Grant(GROUP, ALL_USERS, "READ"),))
    assert not ok(ANON, public, obj=obj)


def test_object_acl_and_object_owner() -> None:
    readable = ObjectView(A_CAN, (*canned_grants("private", A_CAN), Grant(GROUP, ALL_USERS, "READ")))  # fmt: skip
    assert ok(ANON, view(), obj=readable)
    # An object of B's in A's bucket: A's policy grants nothing on it, B's ACL rules.
    of_b = ObjectView(B_CAN, canned_grants("private", B_CAN))
    public_policy = view(policy=bucket_policy(allow("*")))
    assert not ok(ANON, public_policy, obj=of_b)
    assert not ok(A_ROOT, view(), obj=of_b)  # the bucket owner cannot read it ...
    assert ok(B_ROOT, view(), obj=of_b)  # ... its owner can
    shared_back = ObjectView(B_CAN, canned_grants("bucket-owner-read", B_CAN, A_CAN))
    assert ok(A_ROOT, view(), obj=shared_back)
    assert not ok(A_ROOT, view(), action="s3:PutObjectAcl", obj=shared_back)
    # ... and the bucket owner may still delete it (a bucket-level permission).
    assert ok(A_ROOT, view(), action="s3:DeleteObject", obj=of_b)


@pytest.mark.parametrize("restrict", [False, True])
def test_restrict_public_buckets(restrict: bool) -> None:
    block = PublicAccessBlock(restrict_public_buckets=restrict)
    public = view(policy=bucket_policy(allow("*"), allow({"AWS": B_ID})), policy_public=True, block=block)  # fmt: skip
    assert ok(ANON, public) is not restrict
    assert ok(B_ROOT, public) is not restrict  # cross-account grants go too
    assert ok(A_USER, public)  # the owner's account keeps its access


@pytest.mark.parametrize("ignore", [False, True])
def test_ignore_public_acls(ignore: bool) -> None:
    block = PublicAccessBlock(ignore_public_acls=ignore)
    grants = (*canned_grants("public-read", A_CAN), Grant(CANONICAL, B_CAN, "READ"))
    bucket = view(acl=grants, block=block)
    assert ok(ANON, bucket, action="s3:ListBucket") is not ignore
    assert ok(B_ROOT, bucket, action="s3:ListBucket")  # not a public grant: kept


def test_disabled_account_buckets_refuse_all_but_the_system_root() -> None:
    frozen = view(policy=bucket_policy(allow("*")), disabled=True)
    assert not ok(ANON, frozen) and not ok(A_ROOT, frozen)
    assert ok(SYSTEM, frozen)


def test_service_actions_are_identity_only() -> None:
    create = AccessRequest(B_USER, "s3:CreateBucket", "new", None)
    assert not decide(create, [], None)
    anything = parse_identity_policy({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})  # fmt: skip
    assert decide(create, [anything], None)
    assert decide(AccessRequest(B_ROOT, "s3:CreateBucket", "new", None), [], None)
