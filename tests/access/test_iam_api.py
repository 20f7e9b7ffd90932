"""The IAM Query API through boto3's iam client and the AWS CLI; keys that stop working
at once; groups; conditions the server fills in; bucket-policy validation."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.access.conftest import READONLY, outcome, s3_client, uid
from tests.servers import GrenierServer

ROOT = Path(__file__).resolve().parents[2]


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def test_readonly_key_reads_but_cannot_write(grenier: GrenierServer, iam: Any, root_s3: Any, fresh_bucket: str) -> None:  # fmt: skip
    root_s3.put_object(Bucket=fresh_bucket, Key="k", Body=b"v")
    name = uid("reader")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.attach_user_policy(UserName=name, PolicyArn=READONLY)
    attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READONLY]
    s3 = s3_client(grenier.endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    assert s3.get_object(Bucket=fresh_bucket, Key="k")["Body"].read() == b"v"
    assert (
        error_code(lambda: s3.put_object(Bucket=fresh_bucket, Key="x", Body=b"")) == "AccessDenied"
    )
    # A user's keys cannot manage IAM without IAM rights.
    user_iam = boto3.client(
        "iam",
        endpoint_url=grenier.endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    assert error_code(lambda: user_iam.create_user(UserName=uid("x"))) == "AccessDenied"


def test_deleted_and_inactive_keys_stop_at_once(grenier: GrenierServer, iam: Any, make_user: Any, fresh_bucket: str) -> None:  # fmt: skip
    user = make_user(READONLY)
    assert outcome(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == 200
    iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key, Status="Inactive")
    assert error_code(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == "InvalidAccessKeyId"
    iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key, Status="Active")
    assert outcome(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == 200
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.access_key)
    assert error_code(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == "InvalidAccessKeyId"


def test_disabled_user_and_detached_policy_stop_at_once(iam: Any, make_user: Any, fresh_bucket: str) -> None:  # fmt: skip
    user = make_user(READONLY)
    iam.tag_user(UserName=user.name, Tags=[{"Key": "grenier:status", "Value": "disabled"}])
    assert error_code(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == "InvalidAccessKeyId"
    tags = iam.get_user(UserName=user.name)["User"]["Tags"]
    assert {"Key": "grenier:status", "Value": "disabled"} in tags
    iam.untag_user(UserName=user.name, TagKeys=["grenier:status"])
    assert outcome(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == 200
    iam.detach_user_policy(UserName=user.name, PolicyArn=READONLY)
    assert outcome(lambda: user.s3.list_objects_v2(Bucket=fresh_bucket)) == 403


def test_group_policies_apply_to_members(iam: Any, make_user: Any, root_s3: Any, fresh_bucket: str) -> None:  # fmt: skip
    root_s3.put_object(Bucket=fresh_bucket, Key="k", Body=b"v")
    user = make_user()
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="k")) == 403
    group = uid("grp")
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn=READONLY)
    iam.add_user_to_group(GroupName=group, UserName=user.name)
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="k")) == 200
    iam.remove_user_from_group(GroupName=group, UserName=user.name)
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="k")) == 403


def test_explicit_deny_wins_and_conditions(make_user: Any, root_s3: Any, fresh_bucket: str) -> None:
    root_s3.put_object(Bucket=fresh_bucket, Key="secret/k", Body=b"v")
    root_s3.put_object(Bucket=fresh_bucket, Key="open/k", Body=b"v")
    arn = f"arn:aws:s3:::{fresh_bucket}"
    user = make_user("arn:aws:iam::aws:policy/readwrite")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": [f"arn:aws:iam::000000000000:user/{user.name}"]},
         "Action": "s3:GetObject", "Resource": f"{arn}/secret/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{arn}/*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"{arn}/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=fresh_bucket, Policy=json.dumps(policy))
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="secret/k")) == 403
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="open/k")) == 200
    assert outcome(lambda: user.s3.put_object(Bucket=fresh_bucket, Key="x", Body=b"")) == 403
    assert outcome(lambda: user.s3.delete_object(Bucket=fresh_bucket, Key="open/k")) == 403
    # root bypasses policies entirely
    root_s3.get_object(Bucket=fresh_bucket, Key="secret/k")


def test_existing_object_tag_condition(make_user: Any, root_s3: Any, fresh_bucket: str) -> None:
    root_s3.put_object(Bucket=fresh_bucket, Key="pub", Body=b"v", Tagging="class=public")
    root_s3.put_object(Bucket=fresh_bucket, Key="priv", Body=b"v", Tagging="class=private")
    user = make_user(document={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{fresh_bucket}/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/class": "public"}}}]})  # fmt: skip
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="pub")) == 200
    assert outcome(lambda: user.s3.get_object(Bucket=fresh_bucket, Key="priv")) == 403


BAD_POLICIES = {
    "not-json": "{not json",
    "empty": "",
    "no-statement": '{"Version": "2012-10-17"}',
    "unknown-action": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                   "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::B/*"}]}),
    "bad-arn": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                            "Action": "s3:GetObject", "Resource": "arn:aws:s3:eu:1:B/*"}]}),
    "other-bucket": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}]}),
    "no-principal": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::B/*"}]}),
    "bad-effect": json.dumps({"Statement": [{"Effect": "Maybe", "Principal": "*",
                               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"}]}),
    "bad-condition": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*",
                                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*",
                                  "Condition": {"IpAddress": {"aws:SourceIp": "999.1.1.1/8"}}}]}),
    "deep": "[" * 5000 + "]" * 5000,
    "huge": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Sid": "x" * 30000,
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"}]}),
    "very-huge": "x" * (2 * 1024 * 1024),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_POLICIES))
def test_malformed_bucket_policies(name: str, root_s3: Any, fresh_bucket: str) -> None:
    text = BAD_POLICIES[name].replace("arn:aws:s3:::B/", f"arn:aws:s3:::{fresh_bucket}/")
    with pytest.raises(ClientError) as info:
        root_s3.put_bucket_policy(Bucket=fresh_bucket, Policy=text)
    response = info.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, response
    assert response["Error"]["Code"] in ("MalformedPolicy", "MissingRequestBodyError"), response
    assert (
        error_code(lambda: root_s3.get_bucket_policy(Bucket=fresh_bucket)) == "NoSuchBucketPolicy"
    )


def test_policy_status_and_round_trip(root_s3: Any, fresh_bucket: str) -> None:
    assert error_code(lambda: root_s3.get_bucket_policy_status(Bucket=fresh_bucket)) == (
        "NoSuchBucketPolicy"
    )
    arn = f"arn:aws:s3:::{fresh_bucket}"
    restricted = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"{arn}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "192.168.1.0/24"}}}]}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=fresh_bucket, Policy=json.dumps(restricted))
    assert json.loads(root_s3.get_bucket_policy(Bucket=fresh_bucket)["Policy"]) == restricted
    status = root_s3.get_bucket_policy_status(Bucket=fresh_bucket)["PolicyStatus"]
    assert status["IsPublic"] is False
    root_s3.delete_bucket_policy(Bucket=fresh_bucket)
    assert (
        error_code(lambda: root_s3.get_bucket_policy(Bucket=fresh_bucket)) == "NoSuchBucketPolicy"
    )
    assert error_code(lambda: root_s3.get_bucket_policy(Bucket=uid("none"))) == "NoSuchBucket"


def test_iam_secrets_file_is_private(grenier: GrenierServer) -> None:
    mode = stat.S_IMODE(os.stat(grenier.data_dir / "iam.db").st_mode)
    assert mode == 0o600
    assert "SecretAccessKey" not in grenier.log()


def test_chosen_access_key_and_root_key_reserved(grenier: GrenierServer, iam: Any) -> None:
    """Grenier extension: CreateAccessKey with AccessKeyId + SecretAccessKey."""
    from grenier.client.admin_iam import IamAdmin
    from grenier.client.config import Alias

    admin = IamAdmin(Alias("t", grenier.endpoint, grenier.access_key, grenier.secret_key))
    name = uid("mcstyle")
    keys = admin.add_user(name, "s3cret-value-1")
    assert keys == {"accessKey": name, "secretKey": "s3cret-value-1"}
    s3 = s3_client(grenier.endpoint, name, "s3cret-value-1")
    assert outcome(s3.list_buckets) == 403  # authenticated, no policy
    with pytest.raises(Exception, match="EntityAlreadyExists"):
        admin.add_user(grenier.access_key, "another-secret")
    assert grenier.access_key not in {u["UserName"] for u in iam.list_users()["Users"]}


def aws_cli() -> str:
    path = os.environ.get("GRENIER_AWS_CLI") or str(ROOT / ".venv-awscli" / "bin" / "aws")
    if not Path(path).exists():
        pytest.skip("AWS CLI not installed (python -m venv .venv-awscli && pip install awscli)")
    return path


def test_aws_cli_create_and_list_users(grenier: GrenierServer, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": grenier.access_key,
        "AWS_SECRET_ACCESS_KEY": grenier.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    name = uid("cliuser")
    base = [aws_cli(), "iam", "--endpoint-url", grenier.endpoint, "--output", "json"]
    made = subprocess.run([*base, "create-user", "--user-name", name], capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["User"]["UserName"] == name
    listed = subprocess.run([*base, "list-users"], capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert name in [u["UserName"] for u in json.loads(listed.stdout)["Users"]]
    dup = subprocess.run([*base, "create-user", "--user-name", name], capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert dup.returncode != 0 and "EntityAlreadyExists" in dup.stderr
