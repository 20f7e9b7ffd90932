"""Interrupted downloads leave nothing behind; the progress bar only shows on a terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli


def _wait_for_part_file(folder: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".grenier-part") for p in folder.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError("the download never started")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_download_leaves_no_file(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path, sig: int
) -> None:
    s3c.put_object(Bucket=bkt, Key="slow.bin", Body=os.urandom(3 * 1024 * 1024))
    out = tmp_path / "dl"
    out.mkdir()
    argv = cli.argv("cp", "--limit-download", "512KiB", f"t/{bkt}/slow.bin", str(out / "slow.bin"))
    proc = subprocess.Popen(argv, env=cli.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_part_file(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert list(out.iterdir()) == []
    assert b"interrupted" in err and b"Traceback" not in err


def test_progress_bar_only_on_a_terminal(cli: Cli, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(1024 * 1024))
    args = ["cp", "--limit-upload", "2MiB", str(src), f"t/{bkt}/f.bin"]
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "grenier", *args], cli.environ())
    screen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    text = screen.decode(errors="replace")
    assert "\x1b[" in text and "/s" in text and "Copied 1 file(s)" in text
    piped = cli("cp", str(src), f"t/{bkt}/g.bin").ok()
    assert "\x1b[" not in piped.out + piped.err
    quiet = cli("cp", "--quiet", str(src), f"t/{bkt}/h.bin").ok()
    assert quiet.out == "" and quiet.err == ""


def test_interrupted_lean_batch_leaves_no_part_files(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    """Ctrl-C in the middle of many small downloads (asyncio path): exit 130, one line,
    whole files or nothing."""
    for i in range(400):
        s3c.put_object(Bucket=bkt, Key=f"many/{i:03d}", Body=b"x" * 100)
    out = tmp_path / "dl"
    argv = cli.argv("cp", "-r", "--workers", "1", f"t/{bkt}/many/", f"{out}/")
    proc = subprocess.Popen(argv, env=cli.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()  # the first file is done
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.decode().strip() == "grenier: error: interrupted"
    files = list(out.rglob("*"))
    assert 0 < len(files) < 400 and not [f for f in files if f.name.startswith(".")]
    assert all(f.read_bytes() == b"x" * 100 for f in files)
