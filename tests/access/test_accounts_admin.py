"""Accounts from the operator's side: `grenier admin account ...` against a fresh server,
the admin JSON API behind it, and what an account's root can do with its own IAM,
quotas and usage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from tests.access.conftest import Account, iam_client, outcome, s3_client, uid
from tests.servers import GrenierServer


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GrenierServer]:
    server = GrenierServer.start(tmp_path_factory.mktemp("accounts") / "data")
    yield server
    server.stop()


def cli(server: GrenierServer, home: Path, *args: str, keys: tuple[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    host = server.env_host()
    if keys is not None:
        scheme, rest = server.endpoint.split("://", 1)
        host = f"{scheme}://{quote(keys[0], safe='')}:{quote(keys[1], safe='')}@{rest}"
    env.update(GRENIER_CONFIG_DIR=str(home), GRENIER_HOST_t=host)
    return subprocess.run(
        [sys.executable, "-m", "grenier", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def records(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def code(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def test_account_lifecycle_on_a_fresh_server(fresh: GrenierServer, tmp_path: Path) -> None:
    added = records(cli(fresh, tmp_path, "--json", "admin", "account", "add", "t", "climate", "--email", "ops@climate.example"))  # fmt: skip
    assert len(added) == 1
    doc = added[0]
    assert doc["status"] == "success" and doc["account"] == "climate"
    assert len(doc["accountId"]) == 12 and doc["accountId"].isdigit()
    assert len(doc["canonicalId"]) == 64
    assert doc["accessKey"] and doc["secretKey"]

    text = cli(fresh, tmp_path, "admin", "account", "add", "t", "hydro")
    assert text.returncode == 0
    assert "Secret key:" in text.stdout and "Access key:" in text.stdout

    s3 = s3_client(fresh.endpoint, doc["accessKey"], doc["secretKey"])
    bucket = uid("climate")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="tas.nc", Body=b"0123456789")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]
    assert s3.list_buckets()["Owner"]["ID"] == doc["canonicalId"]

    listed = records(cli(fresh, tmp_path, "--json", "admin", "account", "list", "t"))
    by_name = {r["account"]: r for r in listed}
    assert set(by_name) == {"climate", "hydro", "default"}
    assert by_name["default"]["accountId"] == "000000000000"
    assert all(r["accountStatus"] == "enabled" for r in listed)
    assert "secretKey" not in by_name["climate"]

    info = records(cli(fresh, tmp_path, "--json", "admin", "account", "info", "t", "climate"))[0]
    assert info["canonicalId"] == doc["canonicalId"] and info["email"] == "ops@climate.example"
    assert info["buckets"] == [{"bucket": bucket, "size": 10, "objects": 1, "quota": None}]
    assert info["size"] == 10 and info["objects"] == 1 and info["rootKeys"] == 1

    records(cli(fresh, tmp_path, "--json", "admin", "account", "disable", "t", "climate"))
    assert code(lambda: s3.list_buckets()) == "InvalidAccessKeyId"
    root = fresh.client()
    assert root.get_object(Bucket=bucket, Key="tas.nc")["Body"].read() == b"0123456789"
    enabled = records(cli(fresh, tmp_path, "--json", "admin", "account", "enable", "t", "climate"))
    assert enabled[0]["accountStatus"] == "enabled"
    assert outcome(lambda: s3.list_buckets()) == 200

    refused = cli(fresh, tmp_path, "admin", "account", "remove", "t", "climate")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "DeleteConflict" in refused.stderr
    s3.delete_object(Bucket=bucket, Key="tas.nc")
    s3.delete_bucket(Bucket=bucket)
    removed = records(cli(fresh, tmp_path, "--json", "admin", "account", "remove", "t", "climate"))
    assert removed[0]["account"] == "climate"
    assert code(lambda: s3.list_buckets()) == "InvalidAccessKeyId"
    missing = cli(fresh, tmp_path, "admin", "account", "info", "t", "climate")
    assert missing.returncode == 1 and "climate" in missing.stderr


def test_only_the_server_root_manages_accounts(fresh: GrenierServer, tmp_path: Path) -> None:
    doc = records(cli(fresh, tmp_path, "--json", "admin", "account", "add", "t", uid("ten")))[0]
    keys = (doc["accessKey"], doc["secretKey"])
    denied = cli(fresh, tmp_path, "admin", "account", "add", "t", uid("x"), keys=keys)
    assert denied.returncode == 1 and "access denied" in denied.stderr
    for bad in ("has space", "default"):
        refused = cli(fresh, tmp_path, "admin", "account", "add", "t", bad)
        assert refused.returncode == 1, bad
    assert cli(fresh, tmp_path, "admin", "account", "disable", "t", "default").returncode == 1


@pytest.fixture
def tenant(make_account: Any) -> Account:
    acct: Account = make_account()
    return acct


def test_each_account_has_its_own_iam(tenant: Account, make_account: Any, grenier: GrenierServer) -> None:  # fmt: skip
    other: Account = make_account()
    name = uid("alice")
    tenant.iam.create_user(UserName=name)
    other.iam.create_user(UserName=name)  # the same name in another account
    arns = {tenant.iam.get_user(UserName=name)["User"]["Arn"], other.iam.get_user(UserName=name)["User"]["Arn"]}  # fmt: skip
    assert arns == {
        f"arn:aws:iam::{tenant.account_id}:user/{name}",
        f"arn:aws:iam::{other.account_id}:user/{name}",
    }
    tenant_users = {u["UserName"] for u in tenant.iam.list_users()["Users"]}
    assert tenant_users == {name}
    default_users = {u["UserName"] for u in grenier.client("iam").list_users()["Users"]}
    assert name not in default_users
    me = tenant.iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{tenant.account_id}:root"
    # Users start with no permissions, even on their own account's buckets.
    bucket = uid("own")
    tenant.s3.create_bucket(Bucket=bucket)
    user = tenant.user()
    assert outcome(lambda: user.s3.list_objects_v2(Bucket=bucket)) == 403
    assert outcome(lambda: user.s3.list_buckets()) == 403
    reader = tenant.user("arn:aws:iam::aws:policy/readonly")
    assert outcome(lambda: reader.s3.list_objects_v2(Bucket=bucket)) == 200
    assert [b["Name"] for b in reader.s3.list_buckets()["Buckets"]] == [bucket]
    # A user of the tenant cannot manage IAM unless a policy lets it.
    user_iam = iam_client(grenier.endpoint, user.access_key, user.secret_key)
    assert code(lambda: user_iam.create_user(UserName=uid("x"))) == "AccessDenied"


def test_account_root_rotates_its_keys(tenant: Account, grenier: GrenierServer) -> None:
    second = tenant.iam.create_access_key()["AccessKey"]
    new_s3 = s3_client(grenier.endpoint, second["AccessKeyId"], second["SecretAccessKey"])
    assert outcome(lambda: new_s3.list_buckets()) == 200
    keys = {k["AccessKeyId"] for k in tenant.iam.list_access_keys()["AccessKeyMetadata"]}
    assert keys == {tenant.access_key, second["AccessKeyId"]}
    tenant.iam.delete_access_key(AccessKeyId=tenant.access_key)
    assert code(lambda: tenant.s3.list_buckets()) == "InvalidAccessKeyId"


def test_bucket_names_are_global(tenant: Account, make_account: Any, root_s3: Any) -> None:
    other: Account = make_account()
    bucket = uid("global")
    tenant.s3.create_bucket(Bucket=bucket)
    assert code(lambda: other.s3.create_bucket(Bucket=bucket)) == "BucketAlreadyExists"
    assert code(lambda: tenant.s3.create_bucket(Bucket=bucket)) == "BucketAlreadyOwnedByYou"
    assert code(lambda: root_s3.create_bucket(Bucket=bucket)) == "BucketAlreadyExists"
    # The server's root sees and acts on every account's bucket.
    assert bucket in {b["Name"] for b in root_s3.list_buckets()["Buckets"]}
    root_s3.put_object(Bucket=bucket, Key="by-admin", Body=b"a")
    assert tenant.s3.get_object(Bucket=bucket, Key="by-admin")["Body"].read() == b"a"
    owner = tenant.s3.get_object_acl(Bucket=bucket, Key="by-admin")["Owner"]["ID"]
    assert owner == tenant.canonical_id  # written by the admin for the bucket's owner


def test_expected_bucket_owner(tenant: Account) -> None:
    bucket = uid("exp")
    tenant.s3.create_bucket(Bucket=bucket)
    tenant.s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=tenant.account_id)
    assert outcome(lambda: tenant.s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner="999999999999")) == 403  # fmt: skip


def test_quota_and_usage_per_account(tenant: Account, grenier: GrenierServer, make_account: Any) -> None:  # fmt: skip
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias
    from grenier.client.errors import ClientError as CliError

    other: Account = make_account()
    mine, theirs = uid("q"), uid("q")
    tenant.s3.create_bucket(Bucket=mine)
    other.s3.create_bucket(Bucket=theirs)
    tenant.s3.put_object(Bucket=mine, Key="k", Body=b"12345")
    api = AdminApi(Alias("t", grenier.endpoint, tenant.access_key, tenant.secret_key))
    api.set_quota(mine, 8)
    assert api.get_quota(mine)["quota"] == 8
    with pytest.raises(CliError):
        api.set_quota(theirs, 8)  # another account's bucket
    usage = api.usage()
    assert [b["bucket"] for b in usage["buckets"]] == [mine]
    assert usage["size"] == 5 and usage["accounts"] == [
        {"account": tenant.name, "buckets": 1, "size": 5, "objects": 1}
    ]
    assert code(lambda: tenant.s3.put_object(Bucket=mine, Key="big", Body=b"x" * 9)) in (
        "XMinioAdminBucketQuotaExceeded",
        "QuotaExceeded",
    )
    whole = AdminApi(Alias("t", grenier.endpoint, grenier.access_key, grenier.secret_key)).usage()
    names = {a["account"] for a in whole["accounts"]}
    assert {tenant.name, other.name} <= names


def test_admin_info_per_account_and_server_wide_routes(tenant: Account, grenier: GrenierServer) -> None:  # fmt: skip
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias
    from grenier.client.errors import ClientError as CliError

    bucket = uid("info")
    tenant.s3.create_bucket(Bucket=bucket)
    tenant.s3.put_object(Bucket=bucket, Key="k", Body=b"123")
    info = AdminApi(Alias("t", grenier.endpoint, grenier.access_key, grenier.secret_key)).call("GET", "info")  # fmt: skip
    rows = {r["account"]: r for r in info["accounts"]}
    assert rows[tenant.name] == {"account": tenant.name, "buckets": 1, "objects": 1, "usage": 3}
    assert "default" in rows
    # A tenant's root manages its buckets, not the server: no info, no trace of others.
    own = AdminApi(Alias("t", grenier.endpoint, tenant.access_key, tenant.secret_key))
    assert own.get_quota(bucket)["bucket"] == bucket
    for route in ("info", "trace"):
        with pytest.raises(CliError) as exc:
            own.call("GET", route)
        assert exc.value.code == "AccessDenied"
    # Nor may one of its users, whatever its policies say.
    admin_doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "admin:*"}]}
    user = tenant.user(document=admin_doc)
    with pytest.raises(CliError):
        AdminApi(Alias("t", grenier.endpoint, user.access_key, user.secret_key)).call("GET", "info")
