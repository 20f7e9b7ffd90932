"""``grenier server --console-address``: off, or a fatal error when the chosen address is taken."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.servers import GrenierServer, free_port


def test_console_off_serves_s3_only(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--console-address", "off")
    try:
        server.client().create_bucket(Bucket="still-s3")
    finally:
        server.stop()
    assert "Grenier console:" not in server.log()


def test_console_address_taken_is_fatal_when_chosen(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, GRENIER_ROOT_USER="root", GRENIER_ROOT_PASSWORD="root-secret")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "grenier",
                "server",
                str(tmp_path / "d"),
                "--address",
                f"127.0.0.1:{free_port()}",
                "--console-address",
                f"127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port} for the console" in result.stderr


def test_console_address_must_be_host_port(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(tmp_path / "d"),
            "--console-address",
            "9001x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--console-address must be HOST:PORT or off" in result.stderr
