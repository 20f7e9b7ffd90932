"""Shared helpers for driving third-party command-line clients against Grenier.

Each tool runs as a subprocess with a minimal, explicit environment (no ~/.aws, no user
config), so a test sees exactly what a user with only these settings would see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

MIB = 1024 * 1024

# Key names users really produce: spaces, accents, '+', '%', '=' (hive partitions), '~'.
ODD_NAMES = [
    "plain.txt",
    "with space.nc",
    "sub/\u00e9t\u00e9 \u2013 r\u00e9sum\u00e9.csv",
    "sub/a+b=c.txt",
    "sub/deep/100%25 done %.bin",
    "sub/deep/tilde~and,comma;semi.dat",
]


def require(tool: str) -> str:
    """The absolute path of a command-line tool; fail (never skip) when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: see docs/clients.md for the install line")
    return path


def base_env(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], check: bool = True, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, (
            f"{' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
            f"stderr:\n{proc.stderr}"
        )
    return proc


def make_tree(root: Path, big: int = 0) -> dict[str, bytes]:
    """Write a small tree with odd names (and one ``big``-byte file if asked)."""
    files = {name: f"content of {name}\n".encode() * (i + 1) for i, name in enumerate(ODD_NAMES)}
    files["sub/random.bin"] = os.urandom(70_000)
    files["empty"] = b""
    if big:
        files["sub/deep/big.bin"] = os.urandom(big)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def bucket_objects(s3: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix`` (keys relative to it) with its bytes, via boto3."""
    out: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            out[item["Key"][len(prefix) :]] = body
    return out


def parts_of(etag: str) -> int:
    """How many parts an ETag says the object was uploaded in (1 for a single PUT)."""
    tail = etag.strip('"').rpartition("-")[2]
    return int(tail) if "-" in etag else 1
