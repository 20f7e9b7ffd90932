"""Errors are one line and non-zero (bad keys, unreachable, missing things); completion;
fast start-up."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.servers import S3Endpoint, free_port


def _one_line(run: Any) -> str:
    assert run.code != 0
    assert "Traceback" not in run.err and run.err.count("\n") == 1, run.err
    return str(run.err)


def test_wrong_keys(cli: Cli, any_s3: S3Endpoint, bkt: str) -> None:
    if any_s3.name == "moto":
        pytest.skip("moto does not check signatures, so wrong keys are accepted")
    scheme, rest = any_s3.endpoint.split("://")
    bad = {"GRENIER_HOST_bad": f"{scheme}://{any_s3.access_key}:wrong-secret-123@{rest}"}
    err = _one_line(cli("ls", f"bad/{bkt}", env=bad))
    assert "access denied" in err and "wrong-secret-123" not in err
    unknown = {"GRENIER_HOST_bad": f"{scheme}://nobody:wrong-secret-123@{rest}"}
    folder = cli.home / "up"
    for i in range(20):
        (folder / str(i)).parent.mkdir(exist_ok=True)
        (folder / str(i)).write_text("x")
    err = _one_line(cli("cp", "-r", str(folder), f"bad/{bkt}/x", env=unknown))
    assert "access denied" in err


def test_unreachable_endpoint(offline_cli: Cli) -> None:
    env = {
        "GRENIER_HOST_down": f"http://k:s@127.0.0.1:{free_port()}",
        "GRENIER_MAX_ATTEMPTS": "1",
    }
    err = _one_line(offline_cli("ls", "down/bucket", env=env))
    assert "cannot reach" in err and "127.0.0.1" in err
    records = offline_cli("--json", "ls", "down", env=env).records()
    assert records[0]["status"] == "error" and records[0]["error"]["code"] == "Unreachable"
    assert "cannot reach" in _one_line(offline_cli("ready", "down", env=env))


def test_missing_bucket_key_and_alias(cli: Cli, bkt: str) -> None:
    assert "no such bucket" in _one_line(cli("ls", "t/no-such-bucket-here"))
    assert "no such object" in _one_line(cli("cat", f"t/{bkt}/missing.txt"))
    assert "unknown alias 'nope'" in _one_line(cli("mb", "nope/bucket"))
    assert "not a known alias" in _one_line(cli("ls", "nope/bucket"))
    assert "invalid size" in _one_line(cli("find", f"t/{bkt}", "--larger", "lots"))


def test_json_error_record(cli: Cli) -> None:
    run = cli("--json", "stat", "t/no-such-bucket-here/key")
    assert run.code == 1
    [record] = run.records()
    assert record["status"] == "error" and set(record["error"]) == {"code", "message"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(offline_cli: Cli, shell: str) -> None:
    script = offline_cli("completion", shell).ok().out
    assert "_GRENIER_COMPLETE" in script and "grenier" in script


def test_completion_lists_commands(offline_cli: Cli) -> None:
    env = {"_GRENIER_COMPLETE": "bash_complete", "COMP_WORDS": "grenier mi", "COMP_CWORD": "1"}
    assert "mirror" in offline_cli(env=env).out


def test_startup_does_not_import_boto3_or_rich() -> None:
    heavy = "('boto3', 'botocore', 'rich', 'aiohttp', 'uvloop', 'urllib.request')"
    code = f"import sys, grenier.cli.main; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
