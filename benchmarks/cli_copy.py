"""Recursive copy of a tree of small files with four command-line clients, to one server.

``grenier cp -r`` and ``grenier mirror`` against ``rclone copy`` and
``aws s3 cp --recursive`` (the AWS CLI lives in ``.venv-awscli``; created if missing).
Each copy goes to its own prefix; afterwards the prefix is listed and must hold every file.
A tool that is not available yields a skipped row with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import payload
from benchmarks.servers import REPO, Target

AWS = REPO / ".venv-awscli" / "bin" / "aws"


def make_tree(root: Path, files: int, size: int) -> Path:
    marker = root / f".complete-{files}-{size}"
    if marker.exists():
        return root / "tree"
    tree = root / "tree"
    for i in range(files):
        folder = tree / f"dir{i % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{i:06d}.bin").write_bytes(payload.small_body(f"cli/{i}", size))
    marker.touch()
    return tree


def ensure_awscli() -> str:
    """'' when the AWS CLI is ready, else why not."""
    if AWS.exists():
        return ""
    venv = REPO / ".venv-awscli"
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin/pip"), "install", "-q", "awscli"],
    ]
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if done.returncode:
            return f"cannot install the AWS CLI: {done.stderr.strip()[-200:]}"
    return ""


def grenier_missing(command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "grenier", command, "--help"], capture_output=True, text=True
    )
    return "" if done.returncode == 0 else f"`grenier {command}` is not available yet"


def _env(target: Target, work: Path) -> dict[str, str]:
    scheme, host = target.endpoint.split("://", 1)
    return {
        **os.environ,
        "GRENIER_CONFIG_DIR": str(work / "grenier-config"),
        "GRENIER_HOST_bench": f"{scheme}://{target.access_key}:{target.secret_key}@{host}",
        "RCLONE_CONFIG": str(work / "rclone.conf"),
        "RCLONE_CONFIG_BENCH_TYPE": "s3",
        "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
        "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": target.access_key,
        "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": target.secret_key,
        "RCLONE_CONFIG_BENCH_ENDPOINT": target.endpoint,
        "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": target.access_key,
        "AWS_SECRET_ACCESS_KEY": target.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(work / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "aws-credentials"),
        "PYTHONPATH": str(REPO),
    }


def commands(target: Target, tree: Path, bucket: str, prefix: str) -> dict[str, list[str]]:
    dest = f"{bucket}/{prefix}"
    grenier = [sys.executable, "-m", "grenier"]
    return {
        "grenier cp -r": [*grenier, "cp", "-r", f"{tree}/", f"bench/{dest}/cp/"],
        "grenier mirror": [*grenier, "mirror", str(tree), f"bench/{dest}/mirror"],
        "rclone copy": ["rclone", "copy", str(tree), f"bench:{dest}/rclone"],
        "aws s3 cp --recursive": [
            str(AWS), "--endpoint-url", target.endpoint, "s3", "cp", "--recursive",
            "--only-show-errors", str(tree), f"s3://{dest}/aws",
        ],
    }  # fmt: skip


SUBDIR = {
    "grenier cp -r": "cp",
    "grenier mirror": "mirror",
    "rclone copy": "rclone",
    "aws s3 cp --recursive": "aws",
}


def run_tool(
    name: str, argv: list[str], target: Target, work: Path, timeout: float
) -> tuple[float, str]:
    """Seconds taken, and '' or the error."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            argv, env=_env(target, work), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"{name}: timed out after {timeout:.0f}s"
    elapsed = time.perf_counter() - start
    if done.returncode:
        return elapsed, f"{name}: exit {done.returncode}: {(done.stderr or done.stdout)[-240:]}"
    return elapsed, ""


def availability() -> dict[str, Callable[[], str]]:
    return {
        "grenier cp -r": lambda: grenier_missing("cp"),
        "grenier mirror": lambda: grenier_missing("mirror"),
        "rclone copy": lambda: "" if _which("rclone") else "rclone not on PATH",
        "aws s3 cp --recursive": ensure_awscli,
    }


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None
