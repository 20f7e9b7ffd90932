"""The evaluation matrix: Deny wins, Allow from identity or bucket policy, else deny."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grenier.iam.evaluate import AccessRequest, Principal, is_allowed, resource_arn
from grenier.iam.policy import Policy, parse_bucket_policy, parse_identity_policy

ALICE = Principal("user", "alice", "AKIAALICE")
BOB = Principal("user", "bob", "AKIABOB")
ANON = Principal("anonymous")
ROOT = Principal("root", "root")


def identity(*statements: dict[str, Any]) -> Policy:
    return parse_identity_policy(json.dumps({"Version": "2012-10-17", "Statement": statements}))


def bucket(*statements: dict[str, Any], name: str = "b") -> Policy:
    doc = {"Version": "2012-10-17", "Statement": statements}
    return parse_bucket_policy(json.dumps(doc), name)


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def req(
    who: Principal, action: str, key: str | None = "k", b: str | None = "b", **ctx: Any
) -> AccessRequest:
    return AccessRequest(who, action, b, key, dict(ctx))


def test_resource_arns() -> None:
    assert resource_arn(None, None) == "arn:aws:s3:::"
    assert resource_arn("b", None) == "arn:aws:s3:::b"
    assert resource_arn("b", "a/k") == "arn:aws:s3:::b/a/k"


def test_root_bypasses_and_default_is_deny() -> None:
    assert is_allowed(req(ROOT, "s3:DeleteBucket", None), [], None)
    assert not is_allowed(req(ALICE, "s3:GetObject"), [], None)
    assert not is_allowed(req(ANON, "s3:GetObject"), [], None)


def test_explicit_deny_wins_over_allow_anywhere() -> None:
    allow_all = identity(allow("s3:*"))
    deny_key = bucket({**deny("s3:GetObject", "arn:aws:s3:::b/secret/*"), "Principal": "*"})
    assert is_allowed(req(ALICE, "s3:GetObject", "public/x"), [allow_all], deny_key)
    assert not is_allowed(req(ALICE, "s3:GetObject", "secret/x"), [allow_all], deny_key)
    both = identity(allow("s3:*"), deny("s3:DeleteObject"))
    assert not is_allowed(req(ALICE, "s3:DeleteObject"), [both], None)


def test_bucket_policy_allows_named_user_only() -> None:
    policy = bucket(
        {
            **allow("s3:GetObject", "arn:aws:s3:::b/*"),
            "Principal": {"AWS": ["arn:aws:iam::000000000000:user/alice"]},
        }
    )
    assert is_allowed(req(ALICE, "s3:GetObject"), [], policy)
    assert not is_allowed(req(BOB, "s3:GetObject"), [], policy)
    assert not is_allowed(req(ANON, "s3:GetObject"), [], policy)


def test_anonymous_matches_only_star_principals() -> None:
    star = bucket({**allow("s3:GetObject", "arn:aws:s3:::b/*"), "Principal": {"AWS": "*"}})
    assert is_allowed(req(ANON, "s3:GetObject"), [], star)
    assert not is_allowed(req(ANON, "s3:PutObject"), [], star)
    not_principal = bucket(
        {
            **allow("s3:GetObject", "arn:aws:s3:::b/*"),
            "NotPrincipal": {"AWS": "arn:aws:iam::000000000000:user/bob"},
        }
    )
    assert is_allowed(req(ALICE, "s3:GetObject"), [], not_principal)
    assert not is_allowed(req(BOB, "s3:GetObject"), [], not_principal)
    assert not is_allowed(req(ANON, "s3:GetObject"), [], not_principal)


def test_identity_policies_do_not_apply_to_anonymous() -> None:
    assert not is_allowed(req(ANON, "s3:GetObject"), [identity(allow("s3:*"))], None)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:*", "s3:PutObject", True),
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:GetObjec?", "s3:GetObject", True),
        ("*", "s3:ListBucket", True),
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    assert is_allowed(req(ALICE, action), [identity(allow(pattern))], None) is expected


def test_not_action_and_not_resource() -> None:
    everything_but_delete = identity(
        {"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"}
    )
    assert is_allowed(req(ALICE, "s3:PutObject"), [everything_but_delete], None)
    assert not is_allowed(req(ALICE, "s3:DeleteObject"), [everything_but_delete], None)
    outside_private = identity(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/private/*"}
    )
    assert is_allowed(req(ALICE, "s3:GetObject", "open/x"), [outside_private], None)
    assert not is_allowed(req(ALICE, "s3:GetObject", "private/x"), [outside_private], None)


def test_prefix_scoped_policy() -> None:
    policy = identity(
        allow(
            "s3:ListBucket",
            "arn:aws:s3:::b",
            Condition={"StringLike": {"s3:prefix": ["team/*", "team/"]}},
        ),
        allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/team/*"),
    )
    assert is_allowed(req(ALICE, "s3:PutObject", "team/x.zarr/0.0"), [policy], None)
    assert not is_allowed(req(ALICE, "s3:PutObject", "other/x"), [policy], None)
    assert not is_allowed(req(ALICE, "s3:GetObject", "k", b="c"), [policy], None)
    assert is_allowed(req(ALICE, "s3:ListBucket", None, **{"s3:prefix": "team/"}), [policy], None)
    assert not is_allowed(req(ALICE, "s3:ListBucket", None, **{"s3:prefix": "x/"}), [policy], None)
    assert not is_allowed(req(ALICE, "s3:ListBucket", None), [policy], None)


def test_policy_variables() -> None:
    home = identity(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    assert is_allowed(req(ALICE, "s3:PutObject", "alice/f", b="home"), [home], None)
    assert not is_allowed(req(ALICE, "s3:PutObject", "bob/f", b="home"), [home], None)
    old = parse_identity_policy(
        json.dumps(
            {
                "Version": "2008-10-17",
                "Statement": [allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")],
            }
        )
    )
    assert not is_allowed(req(ALICE, "s3:PutObject", "alice/f", b="home"), [old], None)
    assert is_allowed(req(ALICE, "s3:PutObject", "${aws:username}/f", b="home"), [old], None)


def test_variable_values_are_literal() -> None:
    home = identity(allow("s3:GetObject", "arn:aws:s3:::b/${s3:prefix}x"))
    assert not is_allowed(req(ALICE, "s3:GetObject", "abcx", **{"s3:prefix": "*"}), [home], None)
    assert is_allowed(req(ALICE, "s3:GetObject", "*x", **{"s3:prefix": "*"}), [home], None)


def test_ip_conditions() -> None:
    office = bucket(
        {
            **allow("s3:GetObject", "arn:aws:s3:::b/*"),
            "Principal": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
        }
    )
    assert is_allowed(req(ANON, "s3:GetObject", **{"aws:SourceIp": "10.1.2.3"}), [], office)
    assert is_allowed(req(ANON, "s3:GetObject", **{"aws:SourceIp": "2001:db8::1"}), [], office)
    assert not is_allowed(req(ANON, "s3:GetObject", **{"aws:SourceIp": "192.168.1.1"}), [], office)
    assert not is_allowed(req(ANON, "s3:GetObject"), [], office)
    block = identity(
        allow("s3:*"), deny("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}})
    )
    assert is_allowed(req(ALICE, "s3:GetObject", **{"aws:SourceIp": "127.0.0.1"}), [block], None)
    assert not is_allowed(req(ALICE, "s3:GetObject", **{"aws:SourceIp": "8.8.8.8"}), [block], None)


def test_date_numeric_bool_and_null_conditions() -> None:
    until_2000 = identity(
        allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})
    )
    since_2000 = identity(
        allow("s3:*", Condition={"DateGreaterThanEquals": {"aws:CurrentTime": "2000-01-01"}})
    )
    assert not is_allowed(req(ALICE, "s3:GetObject"), [until_2000], None)
    assert is_allowed(req(ALICE, "s3:GetObject"), [since_2000], None)
    small_pages = identity(
        allow("s3:ListBucket", Condition={"NumericLessThanEquals": {"s3:max-keys": "100"}})
    )
    assert is_allowed(
        req(ALICE, "s3:ListBucket", None, **{"s3:max-keys": "50"}), [small_pages], None
    )
    assert not is_allowed(
        req(ALICE, "s3:ListBucket", None, **{"s3:max-keys": "1000"}), [small_pages], None
    )
    tls_only = identity(
        allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    )
    assert not is_allowed(
        req(ALICE, "s3:GetObject", **{"aws:SecureTransport": "false"}), [tls_only], None
    )
    assert is_allowed(
        req(ALICE, "s3:GetObject", **{"aws:SecureTransport": "true"}), [tls_only], None
    )
    needs_acl = identity(allow("s3:PutObject", Condition={"Null": {"s3:x-amz-acl": "false"}}))
    assert is_allowed(req(ALICE, "s3:PutObject", **{"s3:x-amz-acl": "private"}), [needs_acl], None)
    assert not is_allowed(req(ALICE, "s3:PutObject"), [needs_acl], None)


def test_missing_keys_negation_and_if_exists() -> None:
    not_public = identity(
        allow("s3:PutObject", Condition={"StringNotEquals": {"s3:x-amz-acl": "public-read"}})
    )
    assert is_allowed(req(ALICE, "s3:PutObject"), [not_public], None)
    assert not is_allowed(
        req(ALICE, "s3:PutObject", **{"s3:x-amz-acl": "public-read"}), [not_public], None
    )
    if_exists = identity(
        allow("s3:PutObject", Condition={"StringEqualsIfExists": {"s3:x-amz-acl": "private"}})
    )
    assert is_allowed(req(ALICE, "s3:PutObject"), [if_exists], None)
    assert not is_allowed(
        req(ALICE, "s3:PutObject", **{"s3:x-amz-acl": "public-read"}), [if_exists], None
    )
    ignore_case = identity(
        allow("s3:*", Condition={"StringEqualsIgnoreCase": {"aws:username": "ALICE"}})
    )
    assert is_allowed(req(ALICE, "s3:GetObject"), [ignore_case], None)
    assert not is_allowed(req(BOB, "s3:GetObject"), [ignore_case], None)


def test_set_qualifiers_on_multivalued_keys() -> None:
    any_tag = identity(
        allow(
            "s3:PutObject",
            Condition={"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["project"]}},
        )
    )
    all_tags = identity(
        allow(
            "s3:PutObject",
            Condition={
                "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["project", "owner"]}
            },
        )
    )
    tags = {"s3:RequestObjectTagKeys": ["project", "secret"]}
    assert is_allowed(req(ALICE, "s3:PutObject", **tags), [any_tag], None)
    assert not is_allowed(req(ALICE, "s3:PutObject", **tags), [all_tags], None)
    assert is_allowed(
        req(ALICE, "s3:PutObject", **{"s3:RequestObjectTagKeys": ["owner"]}), [all_tags], None
    )
    assert is_allowed(req(ALICE, "s3:PutObject"), [all_tags], None)  # empty set: vacuously true
    assert not is_allowed(req(ALICE, "s3:PutObject"), [any_tag], None)


def test_existing_object_tag_condition() -> None:
    public_tag = bucket(
        {
            **allow("s3:GetObject", "arn:aws:s3:::b/*"),
            "Principal": "*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/access": "public"}},
        }
    )
    assert is_allowed(
        req(ANON, "s3:GetObject", **{"s3:ExistingObjectTag/access": "public"}), [], public_tag
    )
    assert not is_allowed(
        req(ANON, "s3:GetObject", **{"s3:ExistingObjectTag/access": "team"}), [], public_tag
    )


def test_service_level_list_buckets_matches_star_resources() -> None:
    policy = identity(allow("s3:ListAllMyBuckets", "arn:aws:s3:::*"))
    assert is_allowed(req(ALICE, "s3:ListAllMyBuckets", None, None), [policy], None)
    scoped = identity(allow("s3:ListAllMyBuckets", "arn:aws:s3:::b"))
    assert not is_allowed(req(ALICE, "s3:ListAllMyBuckets", None, None), [scoped], None)


def test_copy_source_resource_override() -> None:
    policy = identity(allow("s3:GetObject", "arn:aws:s3:::src/*"))
    copy = AccessRequest(ALICE, "s3:GetObject", "dst", "k", {}, resource="arn:aws:s3:::src/a")
    assert is_allowed(copy, [policy], None)
    assert not is_allowed(req(ALICE, "s3:GetObject", b="dst"), [policy], None)
