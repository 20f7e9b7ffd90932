"""`grenier admin info`: the server's facts, as text and as JSON records; authorized by
the admin API's one check (root, or a user allowed admin:ServerInfo)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.server.ops import grenier_cli
from tests.servers import GrenierServer, S3Endpoint


def test_admin_info_json_and_text(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "2", "--durability", "relaxed")
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="info-a")
        s3.put_object(Bucket="info-a", Key="k1", Body=b"x" * 1000)
        s3.put_object(Bucket="info-a", Key="k2", Body=b"y" * 500)
        out = grenier_cli(server, "admin", "info", "t", "--json", home=tmp_path / "cfg")
        assert out.returncode == 0, out.stderr
        (line,) = out.stdout.splitlines()
        doc = json.loads(line)
        assert doc["status"] == "success"
        assert doc["version"] == "0.1.0" and doc["workers"] == 2
        assert doc["durability"] == "relaxed" and doc["tls"]["enabled"] is False
        assert doc["buckets"] == 1 and doc["objects"] == 2 and doc["usage"] == 1500
        assert 0 < doc["free_space"] <= doc["total_space"]
        assert doc["uptime"] > 0 and doc["endpoint"] == f"127.0.0.1:{server.port}"
        text = grenier_cli(server, "admin", "info", "t", home=tmp_path / "cfg")
        assert text.returncode == 0
        assert "Workers: 2" in text.stdout and "Durability: relaxed" in text.stdout
        assert "1 bucket(s), 2 object(s)" in text.stdout and "TLS: off" in text.stdout

        iam = server.client("iam")
        name = f"ops-{uuid.uuid4().hex[:6]}"
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        user = S3Endpoint("user", server.endpoint, key["AccessKeyId"], key["SecretAccessKey"])
        denied = grenier_cli(user, "admin", "info", "t", "--json", home=tmp_path / "cfg")
        assert denied.returncode != 0, denied.stdout + denied.stderr
        assert json.loads(denied.stdout.splitlines()[-1])["status"] == "error"
        policy = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": ["admin:ServerInfo"]}]}  # fmt: skip
        arn = iam.create_policy(PolicyName=f"{name}-info", PolicyDocument=json.dumps(policy))
        iam.attach_user_policy(UserName=name, PolicyArn=arn["Policy"]["Arn"])
        allowed = grenier_cli(user, "admin", "info", "t", "--json", home=tmp_path / "cfg")
        assert allowed.returncode == 0 and json.loads(allowed.stdout)["buckets"] == 1
        # admin:ServerInfo does not grant the other admin routes (quota stays refused).
        quota = grenier_cli(user, "quota", "info", "t/info-a", home=tmp_path / "cfg")
        assert quota.returncode != 0
    finally:
        server.stop()
