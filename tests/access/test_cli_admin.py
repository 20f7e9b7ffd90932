"""`grenier admin user|policy|group` end to end: the real CLI against the real server,
and the keys it makes checked with boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.access.conftest import outcome, s3_client, uid
from tests.servers import GrenierServer


@pytest.fixture
def run(grenier: GrenierServer, tmp_path: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(tmp_path), GRENIER_HOST_t=grenier.env_host())

    def call(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "grenier", *args],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        if ok:
            assert done.returncode == 0, f"{args}: {done.stderr}"
        return done

    return call


def refused_with(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def records(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_user_lifecycle(run: Any, grenier: GrenierServer, root_s3: Any, fresh_bucket: str) -> None:
    root_s3.put_object(Bucket=fresh_bucket, Key="k", Body=b"v")
    name = uid("cli")
    run("admin", "user", "add", "t", name, "cli-secret-123")
    s3 = s3_client(grenier.endpoint, name, "cli-secret-123")
    assert outcome(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == 403
    run("admin", "policy", "attach", "t", "readonly", "--user", name)
    assert outcome(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == 200
    assert outcome(lambda: s3.put_object(Bucket=fresh_bucket, Key="x", Body=b"")) == 403

    info = records(run("--json", "admin", "user", "info", "t", name))[0]
    assert info["status"] == "enabled" and info["policies"] == ["readonly"]
    assert info["accessKeys"] == [{"accessKey": name, "status": "Active"}]
    listed = {r["user"]: r["status"] for r in records(run("--json", "admin", "user", "list", "t"))}
    assert listed[name] == "enabled"

    run("admin", "user", "disable", "t", name)
    assert refused_with(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == "InvalidAccessKeyId"
    listed = {r["user"]: r["status"] for r in records(run("--json", "admin", "user", "list", "t"))}
    assert listed[name] == "disabled"
    run("admin", "user", "enable", "t", name)
    assert outcome(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == 200

    run("admin", "policy", "detach", "t", "readonly", "--user", name)
    assert outcome(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == 403
    run("admin", "policy", "attach", "t", "readonly", "--user", name)
    run("admin", "user", "remove", "t", name)
    assert refused_with(lambda: s3.get_object(Bucket=fresh_bucket, Key="k")) == "InvalidAccessKeyId"
    gone = run("admin", "user", "info", "t", name, ok=False)
    assert gone.returncode == 1 and "NoSuchEntity" in gone.stderr
    assert len(gone.stderr.strip().splitlines()) == 1


def test_generated_key(run: Any, grenier: GrenierServer) -> None:
    name = uid("gen")
    made = records(run("--json", "admin", "user", "add", "t", name))[0]
    assert made["accessKey"].startswith("AKIA") and len(made["secretKey"]) == 40
    s3 = s3_client(grenier.endpoint, made["accessKey"], made["secretKey"])
    assert outcome(s3.list_buckets) == 403  # signed in, no policy yet


def test_custom_policy_and_groups(run: Any, grenier: GrenierServer, root_s3: Any, fresh_bucket: str, tmp_path: Path) -> None:  # fmt: skip
    root_s3.put_object(Bucket=fresh_bucket, Key="team/k", Body=b"v")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{fresh_bucket}/team/*"]}]}  # fmt: skip
    file = tmp_path / "team.json"
    file.write_text(json.dumps(document))
    policy, group, member = uid("teampol"), uid("team"), uid("member")
    run("admin", "policy", "create", "t", policy, str(file))
    shown = records(run("--json", "admin", "policy", "info", "t", policy))[0]
    assert shown["document"] == document
    names = [r["policy"] for r in records(run("--json", "admin", "policy", "list", "t"))]
    assert {policy, "readonly", "readwrite", "writeonly", "consoleAdmin"} <= set(names)

    run("admin", "user", "add", "t", member, "member-secret-1")
    run("admin", "group", "add", "t", group, member)
    run("admin", "policy", "attach", "t", policy, "--group", group)
    s3 = s3_client(grenier.endpoint, member, "member-secret-1")
    assert outcome(lambda: s3.put_object(Bucket=fresh_bucket, Key="team/new", Body=b"")) == 200
    assert outcome(lambda: s3.put_object(Bucket=fresh_bucket, Key="other", Body=b"")) == 403
    info = records(run("--json", "admin", "group", "info", "t", group))[0]
    assert info == {"status": "success", "op": "group-info", "group": group, "members": [member], "policies": [policy]}  # fmt: skip
    assert group in [r["group"] for r in records(run("--json", "admin", "group", "list", "t"))]

    busy = run("admin", "policy", "remove", "t", policy, ok=False)
    assert busy.returncode == 1 and "DeleteConflict" in busy.stderr
    run("admin", "group", "remove", "t", group, member)
    assert outcome(lambda: s3.put_object(Bucket=fresh_bucket, Key="team/new", Body=b"")) == 403
    run("admin", "group", "remove", "t", group)
    run("admin", "policy", "remove", "t", policy)
    bad = run("admin", "policy", "attach", "t", "nope-policy", "--user", member, ok=False)
    assert bad.returncode == 1 and "no such policy" in bad.stderr


def test_errors_are_one_line(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:Nope", "Resource": "*"}]}')
    done = run("admin", "policy", "create", "t", uid("bad"), str(bad), ok=False)
    assert done.returncode == 1 and "MalformedPolicyDocument" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    both = run("admin", "policy", "attach", "t", "readonly", ok=False)
    assert both.returncode == 1 and "--user or --group" in both.stderr
    as_json = run("--json", "admin", "user", "info", "t", "no-such-user", ok=False)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "NoSuchEntity"
