"""The AWS CLI against Grenier: `aws s3 cp/sync/ls/rm --recursive`, `aws s3api
put-object/get-object`, and a >8 MB file so the CLI switches to multipart.

The CLI lives in its own venv (it pins its own botocore): env GRENIER_AWS_CLI, default
``<repo>/.venv-awscli/bin/aws``; the venv is created if missing. Credentials go through
the subprocess environment only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.s3.helpers import MIB, etag_of
from tests.servers import GrenierServer

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def aws_cli() -> str:
    path = os.environ.get("GRENIER_AWS_CLI") or str(REPO / ".venv-awscli" / "bin" / "aws")
    if not Path(path).exists():
        venv = REPO / ".venv-awscli"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "awscli"], check=True, timeout=600
        )
        path = str(venv / "bin" / "aws")
    return path


class Cli:
    def __init__(self, exe: str, server: GrenierServer, home: Path) -> None:
        self.exe = exe
        self.server = server
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": server.region,
            "AWS_CONFIG_FILE": str(home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
            "AWS_PAGER": "",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.exe, "--endpoint-url", self.server.endpoint, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert proc.returncode == 0, f"aws {' '.join(args)}: {proc.stderr}"
        return proc


@pytest.fixture
def cli(aws_cli: str, grenier: GrenierServer, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(aws_cli, grenier, home)


def make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "a.txt": b"alpha\n",
        "sub/b.bin": os.urandom(70_000),
        "sub/deep/c with space.nc": os.urandom(1234),
        "sub/deep/\u00e9t\u00e9.csv": b"x,y\n1,2\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def test_cp_ls_rm_recursive(cli: Cli, s3: Any, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    cli.run("s3", "cp", "--recursive", str(src), f"s3://{bucket}/tree/")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="tree/")
    assert sorted(c["Key"] for c in listed["Contents"]) == sorted(f"tree/{k}" for k in files)
    for rel, data in files.items():
        assert s3.get_object(Bucket=bucket, Key=f"tree/{rel}")["Body"].read() == data

    out = cli.run("s3", "ls", "--recursive", f"s3://{bucket}/tree/").stdout
    assert sorted(line.split(maxsplit=3)[3] for line in out.splitlines()) == sorted(
        f"tree/{k}" for k in files
    )
    top = cli.run("s3", "ls", f"s3://{bucket}/tree/").stdout
    assert "PRE sub/" in top
    assert "a.txt" in top

    dst = tmp_path / "dst"
    cli.run("s3", "cp", "--recursive", f"s3://{bucket}/tree/", str(dst))
    for rel, data in files.items():
        assert (dst / rel).read_bytes() == data

    cli.run("s3", "rm", "--recursive", f"s3://{bucket}/tree/")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_sync(cli: Cli, s3: Any, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    cli.run("s3", "sync", str(src), f"s3://{bucket}/mirror")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == len(files)
    # A second sync with no change uploads nothing.
    again = cli.run("s3", "sync", str(src), f"s3://{bucket}/mirror").stdout
    assert "upload:" not in again
    (src / "a.txt").write_bytes(b"changed, longer content\n")
    (src / "sub" / "b.bin").unlink()
    out = cli.run("s3", "sync", "--delete", str(src), f"s3://{bucket}/mirror").stdout
    assert "upload:" in out
    assert "delete:" in out
    keys = sorted(c["Key"] for c in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"mirror/{k}" for k in files if k != "sub/b.bin")
    got = s3.get_object(Bucket=bucket, Key="mirror/a.txt")["Body"].read()
    assert got == b"changed, longer content\n"
    back = tmp_path / "back"
    cli.run("s3", "sync", f"s3://{bucket}/mirror", str(back))
    assert (back / "sub" / "deep" / "c with space.nc").read_bytes() == files[
        "sub/deep/c with space.nc"
    ]


def test_multipart_cp(cli: Cli, s3: Any, bucket: str, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    data = os.urandom(12 * MIB)
    big.write_bytes(data)
    cli.run("s3", "cp", str(big), f"s3://{bucket}/big.bin")
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    # The CLI's default threshold and chunk size are 8 MiB: two parts.
    assert head["ETag"].endswith('-2"')
    back = tmp_path / "back.bin"
    cli.run("s3", "cp", f"s3://{bucket}/big.bin", str(back))
    assert back.read_bytes() == data


def test_s3api_put_get(cli: Cli, bucket: str, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    data = json.dumps({"indicator": "tx_max", "values": list(range(100))}).encode()
    body.write_bytes(data)
    out = cli.run(
        "s3api",
        "put-object",
        "--bucket",
        bucket,
        "--key",
        "api/obj.json",
        "--body",
        str(body),
        "--content-type",
        "application/json",
        "--metadata",
        "Source=cli",
    ).stdout
    assert json.loads(out)["ETag"] == etag_of(data)
    target = tmp_path / "got.json"
    meta = json.loads(
        cli.run(
            "s3api", "get-object", "--bucket", bucket, "--key", "api/obj.json", str(target)
        ).stdout
    )
    assert target.read_bytes() == data
    assert meta["ContentType"] == "application/json"
    assert meta["Metadata"] == {"source": "cli"}
    assert meta["ETag"] == etag_of(data)
    missing = cli.run(
        "s3api", "get-object", "--bucket", bucket, "--key", "nope", str(target), check=False
    )
    assert missing.returncode != 0
    assert "NoSuchKey" in missing.stderr
