"""alias set/list/remove/import, prompts (pipe and terminal), anonymous aliases."""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import sys
import time
from pathlib import Path
from typing import Any

from tests.cli.conftest import Cli, public_read_policy
from tests.servers import S3Endpoint


def _config(cli: Cli) -> dict[str, Any]:
    path = cli.home / "config" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return json.loads(path.read_text())["aliases"]


def test_set_list_remove_never_shows_secret(cli: Cli, any_s3: S3Endpoint) -> None:
    cli("alias", "set", "mine", any_s3.endpoint, any_s3.access_key, any_s3.secret_key).ok()
    assert _config(cli)["mine"]["url"] == any_s3.endpoint
    listed = cli("alias", "list", "mine").ok()
    assert any_s3.endpoint in listed.out and any_s3.secret_key not in listed.out + listed.err
    [record] = cli.json("alias", "list", "mine")
    assert record["alias"] == "mine" and record["anonymous"] == "false"
    assert set(record) >= {"status", "alias", "url", "accessKey", "anonymous", "source"}
    assert record["accessKey"] != any_s3.access_key or len(any_s3.access_key) <= 3
    everything = cli.json("alias", "list")
    assert {r["alias"]: r["source"] for r in everything} == {"mine": "file", "t": "env"}
    cli("ls", "mine").ok()
    cli("alias", "remove", "mine").ok()
    assert "mine" not in _config(cli)
    gone = cli("alias", "remove", "mine")
    assert gone.code == 1 and gone.err.count("\n") == 1 and "unknown alias" in gone.err


def test_enter_enter_on_a_pipe_makes_an_anonymous_alias(
    cli: Cli, any_s3: S3Endpoint, s3c: Any, bkt: str
) -> None:
    run = cli("alias", "set", "anon", any_s3.endpoint, stdin="\n\n").ok()
    assert "anonymous" in run.out
    entry = _config(cli)["anon"]
    assert entry["access_key"] == "" and entry["secret_key"] == ""
    s3c.put_object(Bucket=bkt, Key="open/data.txt", Body=b"public bytes")
    s3c.put_bucket_policy(Bucket=bkt, Policy=public_read_policy(bkt))
    assert cli("cat", f"anon/{bkt}/open/data.txt").ok().out == "public bytes"
    assert [r["key"] for r in cli.json("ls", "-r", f"anon/{bkt}")] == ["open/data.txt"]
    written = cli("pipe", f"anon/{bkt}/nope.txt", stdin="x")
    if any_s3.name == "grenier":  # moto does not authenticate requests at all
        assert written.code == 1 and "access denied" in written.err
        assert "Traceback" not in written.err


def _pty_run(cli: Cli, args: list[str], typed: list[bytes]) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, typing each answer after its prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # child: exec the CLI with the pty as its terminal
        env = cli.environ()
        os.execve(sys.executable, [sys.executable, "-m", "grenier", *args], env)
    output, pending = b"", list(typed)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if pending and output.count(b"Key:") > len(typed) - len(pending):
            os.write(fd, pending.pop(0))
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_prompts_on_a_terminal_hide_the_secret(cli: Cli, any_s3: S3Endpoint) -> None:
    code, screen = _pty_run(cli, ["alias", "set", "tty", any_s3.endpoint], [b"\r", b"\r"])
    assert code == 0, screen
    assert "Enter Access Key" in screen and "Enter Secret Key" in screen
    assert _config(cli)["tty"]["access_key"] == ""
    secret = b"pty-secret-value-42"
    code, screen = _pty_run(
        cli, ["alias", "set", "keyed", any_s3.endpoint], [b"AKEY\r", secret + b"\r"]
    )
    assert code == 0, screen
    assert "AKEY" in screen and secret.decode() not in screen
    entry = _config(cli)["keyed"]
    assert entry["access_key"] == "AKEY" and entry["secret_key"] == secret.decode()


def test_import_from_mc_config(cli: Cli, any_s3: S3Endpoint, tmp_path: Path) -> None:
    mc = tmp_path / "mc.json"
    mc.write_text(
        json.dumps(
            {
                "version": "10",
                "aliases": {
                    "pavics": {
                        "url": any_s3.endpoint,
                        "accessKey": any_s3.access_key,
                        "secretKey": any_s3.secret_key,
                        "api": "s3v4",
                        "path": "auto",
                    },
                    "public": {
                        "url": "https://minio.example.org",
                        "accessKey": "",
                        "secretKey": "",
                        "api": "s3v4",
                        "path": "auto",
                    },
                },
            }
        )
    )
    records = cli.json("alias", "import", "--from", str(mc))
    assert sorted(r["alias"] for r in records) == ["pavics", "public"]
    config = _config(cli)
    assert config["pavics"]["secret_key"] == any_s3.secret_key
    assert config["public"]["access_key"] == ""
    cli("ls", "pavics").ok()
    again = cli("alias", "import", "--from", str(mc)).ok()
    assert "already exists" in again.err
    missing = cli("alias", "import", "--from", str(tmp_path / "nope.json"))
    assert missing.code == 1 and "no mc configuration" in missing.err


def test_set_rejects_bad_url_and_half_keys(offline_cli: Cli) -> None:
    bad = offline_cli("alias", "set", "x", "ftp://host")
    assert bad.code == 1 and "invalid URL" in bad.err and "Traceback" not in bad.err
    half = offline_cli("alias", "set", "x", "http://127.0.0.1:9", stdin="AK\n\n")
    assert half.code == 1 and "both" in half.err


def test_malformed_env_alias_is_one_line(offline_cli: Cli) -> None:
    run = offline_cli("ls", "x/b", env={"GRENIER_HOST_x": "not-a-url"})
    assert run.code == 1 and run.err.count("\n") == 1 and "GRENIER_HOST_x" in run.err
