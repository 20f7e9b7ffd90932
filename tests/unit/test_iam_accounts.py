"""Accounts in the IAM store: isolation, root keys, status, removal, and the in-place
upgrade of a one-account iam.db (schema version 0)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from grenier.iam.accounts import DEFAULT_CANONICAL_ID
from grenier.iam.arn import DEFAULT_ACCOUNT_ID
from grenier.iam.errors import IamError
from grenier.iam.store import IamStore

DOC = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IamStore]:
    s = IamStore.open(tmp_path)
    yield s
    s.close()


def test_default_account_exists(store: IamStore) -> None:
    default = store.get_account("default")
    assert default.account_id == DEFAULT_ACCOUNT_ID
    assert default.canonical_id == DEFAULT_CANONICAL_ID
    assert store.account_by_canonical(DEFAULT_CANONICAL_ID) == default
    with pytest.raises(IamError) as exc:
        store.delete_account("default")
    assert exc.value.code == "ValidationError"
    with pytest.raises(IamError):
        store.set_account_status("default", False)


def test_account_ids_and_root_key(store: IamStore) -> None:
    account, key = store.create_account("lab", "lab@example.org")
    assert len(account.account_id) == 12 and account.account_id.isdigit()
    assert len(account.canonical_id) == 64 and int(account.canonical_id, 16) >= 0
    assert key.secret and key.access_key.startswith("AKIA")
    found = store.secret_for(key.access_key)
    assert found is not None
    secret, principal = found
    assert secret == key.secret
    assert principal.kind == "account" and principal.account_id == account.account_id
    assert principal.canonical_id == account.canonical_id
    assert principal.principal_arn == f"arn:aws:iam::{account.account_id}:root"
    assert store.account_by_email("LAB@example.org") == account  # e-mail is case-insensitive
    for bad in ("", "has space", "-leading"):
        with pytest.raises(IamError):
            store.create_account(bad)
    with pytest.raises(IamError) as dup:
        store.create_account("LAB")
    assert dup.value.code == "EntityAlreadyExists"
    with pytest.raises(IamError):
        store.create_account("other", "lab@example.org")


def test_same_user_name_in_two_accounts(store: IamStore) -> None:
    a, _ = store.create_account("a")
    b, _ = store.create_account("b")
    sa, sb = store.for_account(a.account_id), store.for_account(b.account_id)
    alice_a, alice_b = sa.create_user("alice"), sb.create_user("alice")
    assert alice_a.arn == f"arn:aws:iam::{a.account_id}:user/alice"
    assert alice_b.arn == f"arn:aws:iam::{b.account_id}:user/alice"
    sa.create_policy("p", DOC)
    sa.attach_policy("user", "alice", "p")
    assert len(sa.identity_policies("alice")) == 1
    assert sb.identity_policies("alice") == []  # b's alice has nothing
    with pytest.raises(IamError):
        sb.attach_policy("user", "alice", f"arn:aws:iam::{a.account_id}:policy/p")
    key = sb.create_access_key("alice")
    found = store.secret_for(key.access_key)
    assert found is not None and found[1].account_id == b.account_id
    assert [u.name for u in store.list_users()] == []  # the default account has none
    assert store.policies_of(found[1]) == []


def test_disabling_an_account_stops_its_keys(store: IamStore) -> None:
    account, root = store.create_account("frozen")
    scoped = store.for_account(account.account_id)
    scoped.create_user("u")
    user_key = scoped.create_access_key("u")
    store.set_account_status("frozen", False)
    assert store.secret_for(root.access_key) is None
    assert store.secret_for(user_key.access_key) is None
    store.set_account_status(account.account_id, True)
    assert store.secret_for(root.access_key) is not None


def test_removing_an_account_removes_what_it_owns(store: IamStore) -> None:
    account, root = store.create_account("gone")
    scoped = store.for_account(account.account_id)
    scoped.create_user("u")
    scoped.create_access_key("u")
    scoped.create_group("g")
    scoped.add_user_to_group("g", "u")
    scoped.create_policy("p", DOC)
    scoped.attach_policy("group", "g", "p")
    store.delete_account("gone")
    assert store.secret_for(root.access_key) is None
    assert scoped.list_users() == [] and scoped.list_groups() == []
    with pytest.raises(IamError):
        store.get_account("gone")


def test_root_keys_rotate_and_stay_unique(store: IamStore) -> None:
    account, first = store.create_account("rot")
    scoped = store.for_account(account.account_id)
    second = scoped.create_root_key()
    assert {k.access_key for k in scoped.list_root_keys()} == {first.access_key, second.access_key}
    with pytest.raises(IamError) as exc:
        scoped.create_root_key()
    assert exc.value.code == "LimitExceeded"
    scoped.update_root_key(first.access_key, "Inactive")
    assert store.secret_for(first.access_key) is None
    scoped.update_root_key(first.access_key, None)
    assert [k.access_key for k in scoped.list_root_keys()] == [second.access_key]
    scoped.create_user("u")
    with pytest.raises(IamError):  # an access key is unique across users and roots
        scoped.create_access_key("u", second.access_key, "a-long-secret")


def test_account_public_access_block(store: IamStore) -> None:
    account, _ = store.create_account("pab")
    assert store.public_access_block(account.account_id) is None
    store.set_public_access_block(account.account_id, {"BlockPublicPolicy": True})
    assert store.public_access_block(account.account_id) == {"BlockPublicPolicy": True}
    store.set_public_access_block(account.account_id, None)
    assert store.public_access_block(account.account_id) is None


# The schema Grenier shipped before accounts (version 0), verbatim.
V0_SCHEMA = """
CREATE TABLE users (
    name TEXT PRIMARY KEY COLLATE NOCASE, user_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL, created TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE access_keys (
    access_key TEXT PRIMARY KEY, secret TEXT NOT NULL,
    user_name TEXT NOT NULL REFERENCES users(name) COLLATE NOCASE,
    status TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX access_keys_user ON access_keys(user_name);
CREATE TABLE groups (
    name TEXT PRIMARY KEY COLLATE NOCASE, group_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE group_members (
    group_name TEXT NOT NULL COLLATE NOCASE, user_name TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (group_name, user_name));
CREATE TABLE policies (
    name TEXT PRIMARY KEY COLLATE NOCASE, policy_id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, description TEXT NOT NULL, default_version TEXT NOT NULL,
    next_version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE policy_versions (
    policy_name TEXT NOT NULL COLLATE NOCASE, version_id TEXT NOT NULL,
    document TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (policy_name, version_id));
CREATE TABLE attachments (
    entity_kind TEXT NOT NULL, entity_name TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL, PRIMARY KEY (entity_kind, entity_name, policy_arn));
CREATE TABLE inline_policies (
    user_name TEXT NOT NULL COLLATE NOCASE, policy_name TEXT NOT NULL,
    document TEXT NOT NULL, PRIMARY KEY (user_name, policy_name));
"""


def test_version_0_file_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "iam.db"
    conn = sqlite3.connect(path)
    conn.executescript(V0_SCHEMA)
    t = "2024-01-01T00:00:00Z"
    arn = "arn:aws:iam::000000000000:user/alice"
    conn.execute("INSERT INTO users VALUES ('alice', 'AIDAX', '/', ?, ?, 1)", (arn, t))
    conn.execute("INSERT INTO access_keys VALUES ('alicekey', 'alice-secret', 'alice', 'Active', ?)", (t,))  # fmt: skip
    conn.execute("INSERT INTO groups VALUES ('team', 'AGPAX', '/', 'arn:aws:iam::000000000000:group/team', ?)", (t,))  # fmt: skip
    conn.execute("INSERT INTO group_members VALUES ('team', 'alice')")
    parn = "arn:aws:iam::000000000000:policy/all"
    conn.execute("INSERT INTO policies VALUES ('all', 'ANPAX', '/', ?, '', 'v1', 2, ?, ?)", (parn, t, t))  # fmt: skip
    conn.execute("INSERT INTO policy_versions VALUES ('all', 'v1', ?, ?)", (DOC, t))
    conn.execute("INSERT INTO attachments VALUES ('group', 'team', ?)", (parn,))
    conn.execute("INSERT INTO inline_policies VALUES ('alice', 'own', ?)", (DOC,))
    conn.commit()
    conn.close()

    store = IamStore.open(tmp_path)
    try:
        found = store.secret_for("alicekey")
        assert found is not None
        secret, principal = found
        assert secret == "alice-secret" and principal.kind == "user"
        assert principal.account_id == DEFAULT_ACCOUNT_ID
        assert principal.canonical_id == DEFAULT_CANONICAL_ID
        assert store.get_user("alice").arn == arn
        assert [g.name for g in store.groups_for_user("alice")] == ["team"]
        assert store.attached_policies("group", "team") == [("all", parn)]
        assert store.list_user_policies("alice") == ["own"]
        assert len(store.identity_policies("alice")) == 2
        version = store._conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == 1
    finally:
        store.close()
    again = IamStore.open(tmp_path)  # idempotent: a second start changes nothing
    try:
        assert again.get_user("alice").user_id == "AIDAX"
        assert [a.name for a in again.list_accounts()] == ["default"]
    finally:
        again.close()
