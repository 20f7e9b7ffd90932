"""Two accounts, each with its root and a limited user, plus anonymous callers, against
buckets of each account in every sharing state: private, shared by ACL, shared by bucket
policy, public by policy or ACL, and public with Block Public Access on. Every cell (who,
which operation, whose bucket, which state) is asserted, both ways (A's bucket seen from
B, B's from A).

The limited user's own policy allows listing, reading and writing objects in any bucket
(but not deleting, nor reading ACLs): across accounts it gets what the other account's
grant also allows, and nothing without a grant (AWS's cross-account rule).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.access.conftest import Account, User, outcome, uid

OPS = ("list", "get", "put", "delete", "get-acl")
CALLERS = ("owner-root", "owner-user", "other-root", "other-user", "anonymous")
LIMITED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:ListAllMyBuckets"],
            "Resource": "*",
        }
    ],
}
ALL = set(OPS)
OWN_USER = {"list", "get", "put"}  # what the limited user's own policy allows
NONE: set[str] = set()

# state -> caller -> the operations that succeed (every other one is AccessDenied).
EXPECTED: dict[str, dict[str, set[str]]] = {
    "private": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": NONE,
        "other-user": NONE,
        "anonymous": NONE,
    },
    # Bucket ACL: READ + WRITE to the other account; the objects' ACL: READ to it.
    "acl-grant": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": {"list", "get", "put", "delete"},
        "other-user": {"list", "get", "put"},  # its own policy does not allow delete
        "anonymous": NONE,
    },
    # Bucket policy: list, get, put, delete to the other account (its account ARN).
    "policy-grant": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": {"list", "get", "put", "delete"},
        "other-user": {"list", "get", "put"},
        "anonymous": NONE,
    },
    # Bucket policy: list + get to everyone.
    "public-policy": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": {"list", "get"},
        "other-user": {"list", "get"},
        "anonymous": {"list", "get"},
    },
    # The same policy with RestrictPublicBuckets on: it grants nothing outside the owner.
    "public-policy-restricted": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": NONE,
        "other-user": NONE,
        "anonymous": NONE,
    },
    # Canned public-read on the bucket and on its objects.
    "public-acl": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": {"list", "get"},
        "other-user": {"list", "get"},
        "anonymous": {"list", "get"},
    },
    # The same ACLs with IgnorePublicAcls on.
    "public-acl-ignored": {
        "owner-root": ALL,
        "owner-user": OWN_USER,
        "other-root": NONE,
        "other-user": NONE,
        "anonymous": NONE,
    },
}
DIRECTIONS = ("A-owns", "B-owns")


class World:
    def __init__(self, a: Account, b: Account, anon: Any) -> None:
        self.accounts = {"A": a, "B": b}
        self.users: dict[str, User] = {name: acct.user(document=LIMITED) for name, acct in self.accounts.items()}  # fmt: skip
        self.anon = anon
        self.buckets: dict[tuple[str, str], str] = {}

    @staticmethod
    def labels(direction: str) -> tuple[str, str]:
        """(owner, other) account labels: "A-owns" -> ("A", "B")."""
        owner = direction[0]
        return owner, "B" if owner == "A" else "A"

    def parties(self, direction: str) -> tuple[Account, Account]:
        owner, other = self.labels(direction)
        return self.accounts[owner], self.accounts[other]

    def client(self, direction: str, caller: str) -> Any:
        if caller == "anonymous":
            return self.anon
        owner, other = self.labels(direction)
        label = owner if caller.startswith("owner") else other
        if caller.endswith("root"):
            return self.accounts[label].s3
        return self.users[label].s3


def _public_read_policy(bucket: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": arn},
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:GetObject",
                    "Resource": f"{arn}/*",
                },
            ],
        }
    )


def _account_policy(bucket: str, account_id: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    principal = {"AWS": f"arn:aws:iam::{account_id}:root"}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "s3:ListBucket",
                    "Resource": arn,
                },  # fmt: skip
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": f"{arn}/*",
                },
            ],
        }
    )


def seed(world: World, direction: str, state: str, bucket: str) -> str:
    """A fresh object of the owner's, with the ACL the state gives its objects."""
    owner, other = world.parties(direction)
    key = f"seed-{uuid.uuid4().hex[:8]}"
    extra: dict[str, str] = {}
    if state == "acl-grant":
        extra = {"GrantRead": f"id={other.canonical_id}", "GrantFullControl": f"id={owner.canonical_id}"}  # fmt: skip
    elif state.startswith("public-acl"):
        extra = {"ACL": "public-read"}
    owner.s3.put_object(Bucket=bucket, Key=key, Body=b"seed", **extra)
    return key


def make_bucket(world: World, direction: str, state: str) -> str:
    owner, other = world.parties(direction)
    s3 = owner.s3
    name = uid("mx")
    s3.create_bucket(Bucket=name)
    if state == "acl-grant":
        s3.put_bucket_acl(
            Bucket=name,
            GrantFullControl=f"id={owner.canonical_id}",
            GrantRead=f"id={other.canonical_id}",
            GrantWrite=f"id={other.canonical_id}",
        )
    elif state == "policy-grant":
        s3.put_bucket_policy(Bucket=name, Policy=_account_policy(name, other.account_id))
    elif state.startswith("public-policy"):
        s3.put_bucket_policy(Bucket=name, Policy=_public_read_policy(name))
    elif state.startswith("public-acl"):
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    if state == "public-policy-restricted":
        block = {"RestrictPublicBuckets": True}
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    elif state == "public-acl-ignored":
        block = {"IgnorePublicAcls": True}
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    return name


@pytest.fixture(scope="module")
def world(make_account: Any, anon_s3: Any) -> World:
    return World(make_account(), make_account(), anon_s3)


def bucket_for(world: World, direction: str, state: str) -> str:
    if (direction, state) not in world.buckets:
        world.buckets[(direction, state)] = make_bucket(world, direction, state)
    return world.buckets[(direction, state)]


def operation(world: World, direction: str, state: str, op: str, client: Any) -> Callable[[], Any]:
    bucket = bucket_for(world, direction, state)
    if op == "list":
        return lambda: client.list_objects_v2(Bucket=bucket)
    if op == "get":
        key = seed(world, direction, state, bucket)
        return lambda: client.get_object(Bucket=bucket, Key=key)["Body"].read()
    if op == "put":
        return lambda: client.put_object(
            Bucket=bucket, Key=f"new-{uuid.uuid4().hex[:8]}", Body=b"x"
        )
    if op == "delete":
        key = seed(world, direction, state, bucket)
        return lambda: client.delete_object(Bucket=bucket, Key=key)
    assert op == "get-acl"
    return lambda: client.get_bucket_acl(Bucket=bucket)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_matrix(world: World, direction: str, state: str, caller: str, op: str) -> None:
    call = operation(world, direction, state, op, world.client(direction, caller))
    expected = 200 if op in EXPECTED[state][caller] else 403
    assert outcome(call) == expected, f"{direction} {state}: {caller} {op}"


def test_get_reads_the_bytes_across_accounts(world: World) -> None:
    """A granted read returns the object's bytes, not just a 200."""
    for direction in DIRECTIONS:
        owner, other = world.parties(direction)
        bucket = bucket_for(world, direction, "policy-grant")
        key = seed(world, direction, "policy-grant", bucket)
        assert other.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"seed"


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_listings_stay_in_the_account(world: World, direction: str) -> None:
    """ListBuckets shows each account its own buckets only; object listings granted
    across accounts show the owner's objects."""
    owner, other = world.parties(direction)
    mine = bucket_for(world, direction, "private")
    shared = bucket_for(world, direction, "policy-grant")
    for client in (owner.s3, world.client(direction, "owner-user")):
        names = {b["Name"] for b in client.list_buckets()["Buckets"]}
        assert {mine, shared} <= names
    for client in (other.s3, world.client(direction, "other-user")):
        names = {b["Name"] for b in client.list_buckets()["Buckets"]}
        assert mine not in names and shared not in names
    listing = owner.s3.list_buckets()
    assert listing["Owner"]["ID"] == owner.canonical_id
    assert listing["Owner"]["DisplayName"] == owner.name
    key = seed(world, direction, "policy-grant", shared)
    keys = [o["Key"] for o in other.s3.list_objects_v2(Bucket=shared)["Contents"]]
    assert key in keys
    assert outcome(lambda: world.anon.list_buckets()) == 403


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_block_public_access_refuses_public_writes(world: World, direction: str) -> None:
    """BlockPublicPolicy and BlockPublicAcls refuse public grants (AccessDenied); grants
    to another account are not public and stay allowed."""
    owner, other = world.parties(direction)
    bucket = uid("bpa")
    owner.s3.create_bucket(Bucket=bucket)
    block = {"BlockPublicPolicy": True, "BlockPublicAcls": True}
    owner.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    public = _public_read_policy(bucket)
    assert outcome(lambda: owner.s3.put_bucket_policy(Bucket=bucket, Policy=public)) == 403
    granted = _account_policy(bucket, other.account_id)
    assert outcome(lambda: owner.s3.put_bucket_policy(Bucket=bucket, Policy=granted)) == 200
    assert outcome(lambda: owner.s3.put_bucket_acl(Bucket=bucket, ACL="public-read")) == 403

    def put_public() -> Any:
        return owner.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")

    assert outcome(put_public) == 403
    grant = f"id={other.canonical_id}"
    assert outcome(lambda: owner.s3.put_bucket_acl(Bucket=bucket, GrantRead=grant)) == 200
    # Off again: the same public policy is accepted and anonymous callers can read.
    owner.s3.delete_public_access_block(Bucket=bucket)
    owner.s3.put_bucket_policy(Bucket=bucket, Policy=public)
    owner.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert world.anon.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
