"""Built-in identity policies and the canned anonymous bucket policies."""

from __future__ import annotations

import json

import pytest

from grenier.iam.builtin import (
    BUILTIN_DOCUMENTS,
    BUILTIN_POLICIES,
    builtin_name,
    canned_policy,
    recognise_canned,
)
from grenier.iam.evaluate import AccessRequest, Principal, is_allowed
from grenier.iam.policy import parse_bucket_policy

ALICE = Principal("user", "alice", "AKIAALICE")
ANON = Principal("anonymous")


def can(policy: str, action: str, key: str | None = "k", bucket: str | None = "b") -> bool:
    request = AccessRequest(ALICE, action, bucket, key, {})
    return is_allowed(request, [BUILTIN_POLICIES[policy]], None)


def test_builtin_names_match_minio() -> None:
    assert set(BUILTIN_DOCUMENTS) == {
        "readonly",
        "readwrite",
        "writeonly",
        "diagnostics",
        "consoleAdmin",
    }
    assert builtin_name("arn:aws:iam::aws:policy/readonly") == "readonly"
    assert builtin_name("readwrite") == "readwrite"
    assert builtin_name("arn:aws:iam::000000000000:policy/readonly") is None


def test_readonly() -> None:
    assert can("readonly", "s3:GetObject")
    assert can("readonly", "s3:ListBucket", None)
    assert can("readonly", "s3:GetBucketLocation", None)
    assert not can("readonly", "s3:PutObject")
    assert not can("readonly", "s3:DeleteObject")
    assert not can("readonly", "s3:PutBucketPolicy", None)


def test_readwrite_writeonly_and_admin() -> None:
    assert can("readwrite", "s3:PutObject") and can("readwrite", "s3:DeleteBucket", None)
    assert can("readwrite", "s3:ListAllMyBuckets", None, None)
    assert can("writeonly", "s3:PutObject") and not can("writeonly", "s3:GetObject")
    assert can("consoleAdmin", "admin:CreateUser", None, None)
    assert can("consoleAdmin", "s3:DeleteObject")
    assert can("diagnostics", "admin:ServerInfo", None, None)
    assert not can("diagnostics", "s3:GetObject")


def anon(policy_doc: dict, action: str, key: str | None = "k", **ctx: str) -> bool:
    policy = parse_bucket_policy(json.dumps(policy_doc), "b")
    return is_allowed(AccessRequest(ANON, action, "b", key, dict(ctx)), [], policy)


def test_canned_download_matches_minio_go() -> None:
    assert canned_policy("download", "b") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::b"],
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": ["arn:aws:s3:::b/*"],
            },
        ],
    }


def test_canned_policies_grant_what_they_say() -> None:
    download, upload, public = (canned_policy(k, "b") for k in ("download", "upload", "public"))
    assert anon(download, "s3:GetObject") and anon(download, "s3:ListBucket", None)
    assert not anon(download, "s3:PutObject")
    assert anon(upload, "s3:PutObject") and not anon(upload, "s3:GetObject")
    assert anon(public, "s3:GetObject") and anon(public, "s3:PutObject")
    assert not anon(public, "s3:DeleteBucket", None)


def test_canned_prefix_policy_is_scoped() -> None:
    download = canned_policy("download", "b", "data/")
    assert anon(download, "s3:GetObject", "data/x.zarr/.zattrs")
    assert not anon(download, "s3:GetObject", "private/x")
    assert anon(download, "s3:ListBucket", None, **{"s3:prefix": "data/"})
    assert not anon(download, "s3:ListBucket", None, **{"s3:prefix": "private/"})


@pytest.mark.parametrize("kind", ["download", "upload", "public"])
@pytest.mark.parametrize("prefix", ["", "data/"])
def test_recognise_canned_round_trips(kind: str, prefix: str) -> None:
    assert recognise_canned(canned_policy(kind, "b", prefix), "b", prefix) == kind


def test_recognise_none_and_custom() -> None:
    assert recognise_canned(None, "b") == "none"
    assert recognise_canned({"Version": "2012-10-17", "Statement": []}, "b") == "none"
    custom = canned_policy("download", "b")
    custom["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/x",
        }
    )
    assert recognise_canned(custom, "b") == "custom"
    assert recognise_canned(canned_policy("download", "b", "data/"), "b", "other/") == "custom"


def test_recognise_tolerates_statement_layout_and_other_prefixes() -> None:
    merged = canned_policy("download", "b")
    merged["Statement"] = [
        {**merged["Statement"][0], "Action": "s3:ListBucket", "Principal": "*"},
        {**merged["Statement"][0], "Action": "s3:GetBucketLocation"},
        merged["Statement"][1],
    ]
    assert recognise_canned(merged, "b") == "download"
    both = canned_policy("download", "b", "a/")
    both["Statement"] += canned_policy("upload", "b", "c/")["Statement"]
    assert recognise_canned(both, "b", "a/") == "download"
    assert recognise_canned(both, "b", "c/") == "upload"
