"""Block Public Access: bucket and account settings, what they refuse and what they
ignore, GetBucketPolicyStatus, and `grenier anonymous set` when public policies are
blocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.access.conftest import Account, outcome, uid
from tests.servers import GrenierServer

PUBLIC_READ = "public-read"


def public_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def code(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call()
    resp = info.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def tenant(make_account: Any) -> Account:
    acct: Account = make_account()
    return acct


def test_bucket_setting_round_trip(tenant: Account) -> None:
    bucket = uid("pab")
    tenant.s3.create_bucket(Bucket=bucket)
    assert code(lambda: tenant.s3.get_public_access_block(Bucket=bucket)) == (
        "NoSuchPublicAccessBlockConfiguration",
        404,
    )
    conf = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}  # fmt: skip
    tenant.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=conf)
    got = tenant.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == conf
    tenant.s3.delete_public_access_block(Bucket=bucket)
    assert code(lambda: tenant.s3.get_public_access_block(Bucket=bucket))[1] == 404
    # Only the owner's side may change it.
    user = tenant.user()
    assert outcome(lambda: user.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=conf)) == 403  # fmt: skip


def test_block_public_acls_refuses_every_public_acl_write(tenant: Account) -> None:
    bucket = uid("pab")
    tenant.s3.create_bucket(Bucket=bucket)
    tenant.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    tenant.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})  # fmt: skip
    s3 = tenant.s3
    all_users = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
    for call in (
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL=PUBLIC_READ),
        lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=all_users),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="authenticated-read"),
        lambda: s3.put_object(Bucket=bucket, Key="p", Body=b"x", ACL=PUBLIC_READ),
        lambda: s3.copy_object(
            Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k"}, ACL=PUBLIC_READ
        ),  # fmt: skip
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="m", ACL=PUBLIC_READ),
    ):
        assert code(call) == ("AccessDenied", 403)
    s3.put_object(Bucket=bucket, Key="p", Body=b"x", ACL="private")  # private is fine


def test_account_block_applies_to_all_its_buckets(tenant: Account, grenier: GrenierServer) -> None:  # fmt: skip
    control = s3control(grenier, tenant.access_key, tenant.secret_key)
    assert code(lambda: control.get_public_access_block(AccountId=tenant.account_id)) == (
        "NoSuchPublicAccessBlockConfiguration",
        404,
    )
    control.put_public_access_block(
        AccountId=tenant.account_id,
        PublicAccessBlockConfiguration={"BlockPublicPolicy": True, "BlockPublicAcls": True},
    )
    got = control.get_public_access_block(AccountId=tenant.account_id)
    assert got["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    bucket = uid("pab")
    assert code(lambda: tenant.s3.create_bucket(Bucket=bucket, ACL=PUBLIC_READ)) == ("AccessDenied", 403)  # fmt: skip
    tenant.s3.create_bucket(Bucket=bucket)
    assert code(lambda: tenant.s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))) == ("AccessDenied", 403)  # fmt: skip
    # Another account cannot read or change this account's settings.
    other = s3control(grenier, grenier.access_key, grenier.secret_key)
    assert other.get_public_access_block(AccountId=tenant.account_id)  # the server's root can
    user = tenant.user()
    user_control = s3control(grenier, user.access_key, user.secret_key)
    assert code(lambda: user_control.get_public_access_block(AccountId=tenant.account_id))[1] == 403  # fmt: skip
    assert code(lambda: control.get_public_access_block(AccountId="999999999999"))[1] == 403
    control.delete_public_access_block(AccountId=tenant.account_id)
    tenant.s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))


def s3control(server: GrenierServer, access_key: str, secret_key: str) -> Any:
    """boto3's s3control client, which puts the account id in front of the endpoint's
    host name: the connection goes to the server, the Host header stays as signed."""
    client = boto3.client(
        "s3control",
        endpoint_url=server.endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )
    target = urlsplit(server.endpoint)

    def to_server(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        request.url = urlunsplit(parts._replace(netloc=target.netloc))

    client.meta.events.register("before-send.s3-control.*", to_server)
    return client


def test_policy_status(tenant: Account, anon_s3: Any) -> None:
    bucket = uid("pst")
    tenant.s3.create_bucket(Bucket=bucket)
    assert (
        code(lambda: tenant.s3.get_bucket_policy_status(Bucket=bucket))[0] == "NoSuchBucketPolicy"
    )
    tenant.s3.put_bucket_acl(Bucket=bucket, ACL=PUBLIC_READ)
    assert tenant.s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    tenant.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})  # fmt: skip
    assert (
        code(lambda: tenant.s3.get_bucket_policy_status(Bucket=bucket))[0] == "NoSuchBucketPolicy"
    )
    assert outcome(lambda: anon_s3.list_objects_v2(Bucket=bucket)) == 403  # ignored
    tenant.s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    assert tenant.s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    narrow = json.loads(public_policy(bucket))
    narrow["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{tenant.account_id}:root"}
    tenant.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(narrow))
    assert tenant.s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False


def test_anonymous_set_says_when_blocked(grenier: GrenierServer, root_s3: Any, tmp_path: Path) -> None:  # fmt: skip
    bucket = uid("anon")
    root_s3.create_bucket(Bucket=bucket)
    root_s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})  # fmt: skip
    done = grenier_cli(grenier, tmp_path, "anonymous", "set", "download", f"t/{bucket}")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "Block Public Access" in done.stderr and "BlockPublicPolicy" in done.stderr
    root_s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})  # fmt: skip
    done = grenier_cli(grenier, tmp_path, "anonymous", "set", "download", f"t/{bucket}")
    assert done.returncode == 0, done.stderr
    assert "RestrictPublicBuckets" in done.stderr  # stored, but said to grant nothing


def grenier_cli(server: GrenierServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(home), GRENIER_HOST_t=server.env_host())
    return subprocess.run(
        [sys.executable, "-m", "grenier", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
