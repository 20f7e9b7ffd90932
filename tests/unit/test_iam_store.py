"""The persistent IAM store: CRUD, key and user status, groups, attachments, the file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grenier.iam.errors import IamError
from grenier.iam.evaluate import AccessRequest, is_allowed
from grenier.iam.store import IamStore

DOC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
        ],
    }
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IamStore]:
    s = IamStore.open(tmp_path)
    yield s
    s.close()


def code_of(exc: pytest.ExceptionInfo[IamError]) -> str:
    return exc.value.code


def test_file_is_private_and_in_wal_mode(store: IamStore) -> None:
    assert store.path.name == "iam.db"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_user_crud_and_name_rules(store: IamStore) -> None:
    user = store.create_user("alice")
    assert store.get_user("ALICE").user_id == user.user_id  # names are case-insensitive
    with pytest.raises(IamError) as dup:
        store.create_user("Alice")
    assert code_of(dup) == "EntityAlreadyExists"
    with pytest.raises(IamError) as bad:
        store.create_user("no spaces allowed")
    assert code_of(bad) == "ValidationError"
    store.delete_user("alice")
    with pytest.raises(IamError) as gone:
        store.get_user("alice")
    assert code_of(gone) == "NoSuchEntity"


def test_secret_lookup_respects_key_and_user_status(store: IamStore) -> None:
    store.create_user("alice")
    key = store.create_access_key("alice")
    assert key.secret and len(key.secret) == 40
    secret, principal = store.secret_for(key.access_key) or ("", None)
    assert secret == key.secret
    assert principal is not None and (principal.kind, principal.name) == ("user", "alice")
    store.update_access_key("alice", key.access_key, "Inactive")
    assert store.secret_for(key.access_key) is None
    store.update_access_key("alice", key.access_key, "Active")
    store.set_user_enabled("alice", False)
    assert store.secret_for(key.access_key) is None
    assert store.identity_policies("alice") == []
    store.set_user_enabled("alice", True)
    assert store.secret_for(key.access_key) is not None
    assert store.secret_for("AKIANOSUCHKEY0000000") is None


def test_keys_per_user_quota_and_listing_hides_secrets(store: IamStore) -> None:
    store.create_user("alice")
    store.create_access_key("alice")
    store.create_access_key("alice")
    with pytest.raises(IamError) as limit:
        store.create_access_key("alice")
    assert code_of(limit) == "LimitExceeded"
    assert all(k.secret is None for k in store.list_access_keys("alice"))


def test_delete_user_conflicts(store: IamStore) -> None:
    store.create_user("alice")
    store.create_group("g")
    store.add_user_to_group("g", "alice")
    with pytest.raises(IamError) as conflict:
        store.delete_user("alice")
    assert code_of(conflict) == "DeleteConflict"
    store.remove_user_from_group("g", "alice")
    store.attach_policy("user", "alice", "readonly")
    with pytest.raises(IamError):
        store.delete_user("alice")
    store.detach_policy("user", "alice", "readonly")
    store.delete_user("alice")
    assert store.list_users() == []


def test_identity_policies_gather_attached_inline_and_groups(store: IamStore) -> None:
    store.create_user("alice")
    store.create_policy("put-b", DOC)
    store.create_group("readers")
    store.add_user_to_group("readers", "alice")
    store.attach_policy("group", "readers", "arn:aws:iam::aws:policy/readonly")
    key = store.create_access_key("alice")
    _, principal = store.secret_for(key.access_key) or ("", None)
    assert principal is not None

    def allowed(action: str) -> bool:
        request = AccessRequest(principal, action, "b", "k", {})
        return is_allowed(request, store.identity_policies("alice"), None)

    assert allowed("s3:GetObject") and not allowed("s3:PutObject")
    store.attach_policy("user", "alice", "put-b")
    assert allowed("s3:PutObject")
    store.detach_policy("user", "alice", "put-b")
    store.put_user_policy("alice", "inline", DOC)
    assert allowed("s3:PutObject")
    assert len(store.identity_policies("alice")) == 2


def test_policy_versions_and_default(store: IamStore) -> None:
    policy = store.create_policy("p", DOC)
    v2 = store.create_policy_version(policy.arn, DOC.replace("PutObject", "GetObject"), True)
    assert v2.version_id == "v2"
    assert store.get_policy(policy.arn).default_version == "v2"
    assert not store.get_policy_version(policy.arn, "v1").is_default
    with pytest.raises(IamError) as builtin:
        store.delete_policy("readonly")
    assert code_of(builtin) == "UnmodifiableEntity"


def test_invalid_documents_are_not_stored(store: IamStore) -> None:
    store.create_user("alice")
    with pytest.raises(IamError) as bad:
        store.put_user_policy("alice", "p", '{"Statement": [{"Effect": "Allow"}]}')
    assert code_of(bad) == "MalformedPolicyDocument"
    with pytest.raises(IamError) as big:
        store.put_user_policy("alice", "p", DOC.replace("b/*", "b/" + "x" * 2100))
    assert code_of(big) == "LimitExceeded"
    assert store.list_user_policies("alice") == []


def test_data_survives_reopen(tmp_path: Path) -> None:
    first = IamStore.open(tmp_path)
    first.create_user("alice")
    key = first.create_access_key("alice")
    first.attach_policy("user", "alice", "readwrite")
    first.close()
    again = IamStore.open(tmp_path)
    assert again.secret_for(key.access_key) is not None
    assert again.attached_policies("user", "alice") == [
        ("readwrite", "arn:aws:iam::aws:policy/readwrite")
    ]
    again.close()


def test_another_process_sees_changes_and_caches_refresh(store: IamStore, tmp_path: Path) -> None:
    store.create_user("alice")
    key = store.create_access_key("alice")
    assert store.secret_for(key.access_key) is not None  # now cached
    script = (
        "import sys; from pathlib import Path; from grenier.iam.store import IamStore; "
        "s = IamStore.open(Path(sys.argv[1])); "
        "s.update_access_key('alice', sys.argv[2], 'Inactive'); s.create_user('bob')"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path), key.access_key], check=True)
    assert store.secret_for(key.access_key) is None
    assert [u.name for u in store.list_users()] == ["alice", "bob"]
