"""Policy parsing: malformed documents are PolicyErrors with AWS codes, nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grenier.iam.errors import PolicyError
from grenier.iam.policy import parse_bucket_policy, parse_identity_policy


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements)})


def public_read(resource: str = "arn:aws:s3:::b/*", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": resource,
        **extra,
    }


def test_valid_bucket_policy_parses_statement_object_or_list() -> None:
    single = json.dumps({"Version": "2012-10-17", "Statement": public_read()})
    policy = parse_bucket_policy(single, "b")
    assert policy.statements[0].principals == ("*",)
    assert policy.statements[0].actions == ("s3:GetObject",)
    assert len(parse_bucket_policy(doc(public_read(), public_read()), "b").statements) == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "invalid Json"),
        ("", "empty"),
        (b"\xff\xfe", "UTF-8"),
        ("[]", "JSON object"),
        ('{"Version": "2012-10-17"}', "Statement"),
        (
            doc({"Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
            "Effect",
        ),
        (doc(public_read(Effect="Permit")), "effect"),
        (doc(public_read(), version="2020-01-01"), "version"),
        (doc({**public_read(), "Action": "s3:GetObjekt"}), "invalid action"),
        (doc({**public_read(), "Action": "ec2:RunInstances"}), "invalid action"),
        (doc({**public_read(), "Action": "s3:Foo*"}), "invalid action"),
        (doc(public_read("bucket/*")), "invalid resource"),
        (doc(public_read("arn:aws:s3::b")), "invalid resource"),
        (doc(public_read("arn:aws:s3:::other/*")), "invalid resource"),
        (doc({k: v for k, v in public_read().items() if k != "Principal"}), "Principal"),
        (doc({**public_read(), "Principal": {"AWS": "alice"}}), "principal"),
        (doc(public_read(Condition={"StringEqualz": {"s3:prefix": "a"}})), "Condition type"),
        (doc(public_read(Condition={"StringEquals": {"s3:nope": "a"}})), "condition key"),
        (
            doc(public_read(Condition={"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}})),
            "Invalid value",
        ),
        (doc(public_read(Condition={"DateLessThan": {"aws:CurrentTime": "yesterday"}})), "Invalid"),
        (doc(public_read(Sid="a"), public_read(Sid="a")), "unique"),
        (doc(public_read(Extra=1)), "Unknown field"),
        ('{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}', "duplicate"),
        ("[" * 5000 + "]" * 5000, "invalid Json"),
    ],
)
def test_malformed_bucket_policies_are_rejected(text: str | bytes, fragment: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_bucket_policy(text, "b")
    assert info.value.code == "MalformedPolicy"
    assert fragment.lower() in info.value.message.lower()


def test_bucket_policy_over_20_kb_is_rejected() -> None:
    statements = [public_read(Sid=f"s{i}") for i in range(300)]
    text = doc(*statements)
    assert len(text) > 20 * 1024
    with pytest.raises(PolicyError) as info:
        parse_bucket_policy(text, "b")
    assert info.value.code == "MalformedPolicy"


def test_identity_policy_codes_and_principal_rule() -> None:
    with pytest.raises(PolicyError) as info:
        parse_identity_policy(doc(public_read()))
    assert info.value.code == "MalformedPolicyDocument"
    assert "principal" in info.value.message
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    big = doc(*[{**statement, "Sid": f"s{i}"} for i in range(200)])
    with pytest.raises(PolicyError) as limit:
        parse_identity_policy(big, max_chars=6144)
    assert limit.value.code == "LimitExceeded"


def test_identity_policy_accepts_admin_actions_without_resource() -> None:
    policy = parse_identity_policy(doc({"Effect": "Allow", "Action": ["admin:*", "iam:*"]}))
    assert policy.statements[0].resources is None
    with pytest.raises(PolicyError):
        parse_identity_policy(doc({"Effect": "Allow", "Action": "s3:GetObject"}))


def test_wildcard_bucket_resources_matching_the_bucket_are_accepted() -> None:
    assert parse_bucket_policy(doc(public_read("arn:aws:s3:::my*/*")), "mybucket")
    assert parse_bucket_policy(doc(public_read("*")), "mybucket")


def test_fuzzed_garbage_only_ever_raises_policy_error() -> None:
    import random

    rng = random.Random(7)
    base = doc(public_read(Condition={"StringLike": {"s3:prefix": ["a/*"]}}))
    for _ in range(400):
        chars = list(base)
        for _ in range(rng.randint(1, 6)):
            chars[rng.randrange(len(chars))] = rng.choice('{}[]":,*$ab0\\')
        try:
            parse_bucket_policy("".join(chars), "b")
        except PolicyError:
            pass
