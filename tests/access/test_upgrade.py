"""A data directory made by the release before accounts upgrades in place.

The old release's code is taken from git (``git archive``) and its server run on a fresh
DATA_DIR to make users, keys, groups, policies, buckets (by root and by a user),
objects, ACLs, a bucket policy and a quota. Then this version's server starts on the same
directory: the one-account iam.db migrates to the default account, legacy bucket owners
become the default account's canonical ID, and everything works as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.access.conftest import iam_client, outcome, s3_client
from tests.servers import GrenierServer, free_port, wait_http

# main just before accounts (the release whose data directories must keep working).
OLD_RELEASE = "ee836088be35c68d3dc504966c5a3db043e6ff1f"
ROOT = ("grenier-root", "grenier-root-secret-key")
DEFAULT_CANONICAL = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"
REPO = Path(__file__).resolve().parents[2]


def old_tree(dest: Path) -> Path:
    """The old release's ``grenier`` package, extracted from git."""
    archive = dest / "old.tar"
    done = subprocess.run(
        [
            "git",
            "-C",
            str(REPO),
            "archive",
            "--format=tar",
            "-o",
            str(archive),
            OLD_RELEASE,
            "grenier",
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"the old release is not in this checkout's git history: {done.stderr.strip()}")
    tree = dest / "old"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def run_old_server(tree: Path, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        PYTHONPATH=str(tree),
        GRENIER_ROOT_USER=ROOT[0],
        GRENIER_ROOT_PASSWORD=ROOT[1],
        GRENIER_CONSOLE_ADDRESS="off",
    )
    log = open(data_dir.parent / "old-server.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(data_dir),
            "--address",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],  # fmt: skip
        cwd=tree,  # ``-m`` puts the working directory first on sys.path: the old code
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    log.close()
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(f"{endpoint}/minio/health/ready", proc)
    return proc, endpoint


def readonly_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


def seed_old(endpoint: str) -> dict[str, Any]:
    """What a team made with the old release."""
    root = s3_client(endpoint, *ROOT)
    iam = iam_client(endpoint, *ROOT)
    made: dict[str, Any] = {}
    root.create_bucket(Bucket="portail-ing")
    root.put_object(Bucket="portail-ing", Key="tas.zarr/.zattrs", Body=b'{"units": "K"}')
    root.put_bucket_policy(Bucket="portail-ing", Policy=readonly_policy("portail-ing"))
    root.create_bucket(Bucket="acl-bucket", ObjectOwnership="ObjectWriter")
    root.put_object(Bucket="acl-bucket", Key="open", Body=b"o", ACL="public-read")
    root.put_object(Bucket="acl-bucket", Key="closed", Body=b"c")
    root.put_bucket_versioning(Bucket="portail-ing", VersioningConfiguration={"Status": "Enabled"})
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/readonly")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    made["alice"] = (key["AccessKeyId"], key["SecretAccessKey"])
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="writers")
    iam.add_user_to_group(GroupName="writers", UserName="bob")
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}  # fmt: skip
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(doc))["Policy"][
        "Arn"
    ]
    iam.attach_group_policy(GroupName="writers", PolicyArn=arn)
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    made["bob"] = (key["AccessKeyId"], key["SecretAccessKey"])
    bob = s3_client(endpoint, *made["bob"])
    bob.create_bucket(Bucket="bobs-results")  # owner recorded as bob's access key
    bob.put_object(Bucket="bobs-results", Key="out.nc", Body=b"netcdf" * 100)
    return made


def quota(endpoint: str, bucket: str, value: int | None = None) -> dict[str, Any]:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    api = AdminApi(Alias("old", endpoint, *ROOT))
    return api.set_quota(bucket, value) if value is not None else api.get_quota(bucket)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GrenierServer, dict[str, Any]]]:  # fmt: skip
    base = tmp_path_factory.mktemp("upgrade")
    tree = old_tree(base)
    data_dir = base / "data"
    proc, endpoint = run_old_server(tree, data_dir)
    try:
        made = seed_old(endpoint)
        quota(endpoint, "bobs-results", 10_000)
    finally:
        proc.terminate()
        proc.wait(30)
    with sqlite3.connect(data_dir / "iam.db") as db:  # made by the old release indeed
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "users" in tables and "accounts" not in tables
    server = GrenierServer.start(data_dir)
    yield server, made
    server.stop()


def test_users_keys_groups_and_policies_still_work(upgraded: tuple[GrenierServer, dict[str, Any]]) -> None:  # fmt: skip
    server, made = upgraded
    alice = s3_client(server.endpoint, *made["alice"])
    bob = s3_client(server.endpoint, *made["bob"])
    assert alice.get_object(Bucket="portail-ing", Key="tas.zarr/.zattrs")["Body"].read() == b'{"units": "K"}'  # fmt: skip
    assert outcome(lambda: alice.put_object(Bucket="portail-ing", Key="x", Body=b"")) == 403
    assert bob.get_object(Bucket="bobs-results", Key="out.nc")["Body"].read() == b"netcdf" * 100
    bob.put_object(Bucket="portail-ing", Key="new", Body=b"n")  # the group's policy
    iam = server.client("iam")
    assert {u["UserName"] for u in iam.list_users()["Users"]} == {"alice", "bob"}
    assert iam.get_user(UserName="alice")["User"]["Arn"] == "arn:aws:iam::000000000000:user/alice"
    members = iam.get_group(GroupName="writers")["Users"]
    assert [m["UserName"] for m in members] == ["bob"]


def test_buckets_belong_to_the_default_account(upgraded: tuple[GrenierServer, dict[str, Any]]) -> None:  # fmt: skip
    server, made = upgraded
    root = server.client()
    names = {b["Name"] for b in root.list_buckets()["Buckets"]}
    assert names == {"portail-ing", "acl-bucket", "bobs-results"}
    bob = s3_client(server.endpoint, *made["bob"])
    assert {b["Name"] for b in bob.list_buckets()["Buckets"]} == names  # one account, as before
    for bucket in names:
        assert root.get_bucket_acl(Bucket=bucket)["Owner"]["ID"] == DEFAULT_CANONICAL
    with pytest.raises(Exception) as exc:
        bob.create_bucket(Bucket="bobs-results")
    assert "BucketAlreadyOwnedByYou" in str(exc.value)
    # Buckets made before the setting existed keep BucketOwnerEnforced.
    rules = root.get_bucket_ownership_controls(Bucket="portail-ing")["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert root.get_bucket_versioning(Bucket="portail-ing")["Status"] == "Enabled"
    assert quota(server.endpoint, "bobs-results")["quota"] == 10_000


def test_anonymous_and_acl_access_unchanged(upgraded: tuple[GrenierServer, dict[str, Any]]) -> None:  # fmt: skip
    server, _ = upgraded

    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(f"{server.endpoint}/{path}", timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status("portail-ing/tas.zarr/.zattrs") == 200
    assert status("portail-ing") == 403
    assert status("acl-bucket/open") == 200
    assert status("acl-bucket/closed") == 403


def test_new_accounts_start_apart(upgraded: tuple[GrenierServer, dict[str, Any]]) -> None:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    server, _ = upgraded
    api = AdminApi(Alias("t", server.endpoint, *ROOT))
    assert [a["account"] for a in api.list_accounts()] == ["default"]
    doc = api.add_account("newcomers")
    s3 = s3_client(server.endpoint, doc["accessKey"], doc["secretKey"])
    assert s3.list_buckets()["Buckets"] == []
    assert outcome(lambda: s3.get_object(Bucket="bobs-results", Key="out.nc")) == 403
    assert outcome(lambda: s3.get_object(Bucket="portail-ing", Key="tas.zarr/.zattrs")) == 200
