"""The deployment recipe of docs/deploy.md: its systemd unit passes systemd-analyze, and its
command line is one `grenier server` accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from grenier.server.config import parse_args

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def unit_text() -> str:
    match = re.search(r"```ini\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/deploy.md has no ```ini block (the systemd unit)"
    return match.group(1)


def test_unit_runs_a_valid_grenier_command_line() -> None:
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", unit_text(), re.M)
    args = shlex.split(exec_start)
    assert args[0].endswith("/grenier") and args[1] == "server"
    cfg = parse_args(args[2:])
    assert cfg.audit_log == Path("/var/log/grenier/audit.log")
    assert cfg.certs_dir == Path("/var/lib/grenier/certs")
    assert "LimitNOFILE=" in unit_text() and "Restart=on-failure" in unit_text()
    assert "User=grenier" in unit_text() and "EnvironmentFile=/etc/grenier.env" in unit_text()


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the unit is checked where it is)")
    program = tmp_path / "grenier"  # the unit's ExecStart must name an executable file
    program.write_text('#!/bin/sh\nexec python3 -m grenier "$@"\n')
    program.chmod(0o755)
    unit = tmp_path / "grenier.service"
    unit.write_text(unit_text().replace("/opt/grenier/bin/grenier", str(program)))
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    # verify only warns (exit 0) on an unknown value: any output is a defect of the unit.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text().replace("Restart=on-failure", "Restart=sometimes"))
    check = subprocess.run([analyze, "verify", str(broken)], capture_output=True, text=True)
    assert "sometimes" in check.stderr  # the check above can fail
