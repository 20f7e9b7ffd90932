"""The CLI verbs end to end: `python -m grenier version|quota|ilm|undo` against the server,
with the alias ``t`` defined by GRENIER_HOST_t."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers import GrenierServer


class Cli:
    def __init__(self, home: Path, server: GrenierServer) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
        self.env.update(
            GRENIER_CONFIG_DIR=str(home / "config"),
            HOME=str(home),
            GRENIER_HOST_t=server.env_host(),
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "grenier", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    def ok(self, *args: str) -> str:
        proc = self(*args)
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"
        return proc.stdout

    def json(self, *args: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.ok("--json", *args).splitlines() if line]


@pytest.fixture
def cli(tmp_path: Path, grenier: GrenierServer) -> Cli:
    return Cli(tmp_path, grenier)


def test_version_commands(cli: Cli, s3: Any, bucket: str) -> None:
    assert cli.ok("version", "info", f"t/{bucket}").strip() == f"t/{bucket} is un-versioned"
    assert "versioning is enabled" in cli.ok("version", "enable", f"t/{bucket}")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert "versioning is suspended" in cli.ok("version", "suspend", f"t/{bucket}")
    assert cli.json("version", "info", f"t/{bucket}")[0]["versioning"] == "Suspended"
    bad = cli("version", "enable", "t/no-such-bucket-zz")
    assert bad.returncode == 1 and "no such bucket" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_quota_commands(cli: Cli, s3: Any, bucket: str) -> None:
    out = cli.ok("quota", "set", f"t/{bucket}", "--size", "1KiB")
    assert out.strip() == f"Successfully set bucket quota of 1.0KiB on `{bucket}`"
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 1000)
    record = cli.json("quota", "info", f"t/{bucket}")[0]
    assert (record["quota"], record["size"], record["objects"]) == (1024, 1000, 1)
    assert "hard quota of 1.0KiB" in cli.ok("quota", "info", f"t/{bucket}")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        s3.put_object(Bucket=bucket, Key="b", Body=b"x" * 100)
    assert "cleared" in cli.ok("quota", "clear", f"t/{bucket}")
    s3.put_object(Bucket=bucket, Key="b", Body=b"x" * 100)
    bad = cli("quota", "set", f"t/{bucket}", "--size", "lots")
    assert bad.returncode == 1 and "invalid size" in bad.stderr


def test_ilm_commands(cli: Cli, s3: Any, bucket: str) -> None:
    out = cli.ok("ilm", "rule", "add", f"t/{bucket}", "--id", "tmp", "--prefix", "tmp/",
                 "--expire-days", "7")  # fmt: skip
    assert "rule added with ID `tmp`" in out
    cli.ok("ilm", "rule", "add", f"t/{bucket}", "--id", "old", "--tags", "a=1&b=2",
           "--noncurrent-expire-days", "3", "--noncurrent-expire-newer", "2")  # fmt: skip
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["tmp"]["Filter"] == {"Prefix": "tmp/"}
    assert rules["tmp"]["Expiration"] == {"Days": 7}
    assert rules["old"]["Filter"]["And"]["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    assert rules["old"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 3,
        "NewerNoncurrentVersions": 2,
    }
    listed = cli.json("ilm", "rule", "ls", f"t/{bucket}")
    assert [(r["id"], r["prefix"], r["expireDays"]) for r in listed] == [
        ("tmp", "tmp/", 7),
        ("old", "", None),
    ]
    assert "tmp" in cli.ok("ilm", "rule", "ls", f"t/{bucket}")
    cli.ok("ilm", "rule", "rm", f"t/{bucket}", "--id", "tmp")
    assert [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]] == [
        "old"
    ]
    bad = cli("ilm", "rule", "rm", f"t/{bucket}", "--id", "nope")
    assert bad.returncode == 1 and "no rule with ID nope" in bad.stderr
    cli.ok("ilm", "rule", "rm", f"t/{bucket}", "--all")
    assert "no lifecycle rules" in cli.ok("ilm", "rule", "ls", f"t/{bucket}")


def test_undo_restores_previous_version(cli: Cli, s3: Any, vbucket: str) -> None:
    s3.put_object(Bucket=vbucket, Key="k", Body=b"good")
    s3.put_object(Bucket=vbucket, Key="k", Body=b"oops")
    cli.ok("undo", f"t/{vbucket}/k")
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"good"
    s3.delete_object(Bucket=vbucket, Key="k")
    record = cli.json("undo", f"t/{vbucket}/k")[0]
    assert record["deleteMarker"] is True
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"good"
