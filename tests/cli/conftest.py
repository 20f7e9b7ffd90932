"""Drive the real `grenier` CLI as a subprocess against real S3 servers.

Each test gets an empty config folder (GRENIER_CONFIG_DIR), an alias ``t`` defined through
``GRENIER_HOST_t`` on the server under test (``any_s3``: Grenier and moto), and its own
bucket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import S3Endpoint

TIMEOUT = 60


@dataclass
class Run:
    """A finished CLI invocation."""

    args: list[str]
    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    def ok(self) -> Run:
        assert self.code == 0, f"grenier {self.args} -> {self.code}\n{self.out}\n{self.err}"
        return self


@dataclass
class Cli:
    """The CLI bound to one config folder and one server (alias ``t``)."""

    home: Path
    server: S3Endpoint | None = None
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
        env.update(GRENIER_CONFIG_DIR=str(self.home / "config"), HOME=str(self.home))
        env.update(PYTHONUNBUFFERED="1", GRENIER_WORKERS="4", COLUMNS="120")
        env["GRENIER_LEAN_PATH"] = "1"  # small test batches take the lean path too
        if self.server is not None:
            env["GRENIER_HOST_t"] = self.server.env_host()
        env.update(self.env)
        env.update(extra or {})
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "grenier", *args]

    def __call__(
        self,
        *args: str,
        stdin: bytes | str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Run:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        proc = subprocess.run(
            self.argv(*args),
            input=data,
            capture_output=True,
            env=self.environ(env),
            timeout=TIMEOUT,
            cwd=cwd or self.home,
            stdin=None if data is not None else subprocess.DEVNULL,
        )
        return Run(list(args), proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def json(self, *args: str, **kwargs: Any) -> list[dict[str, Any]]:
        return self("--json", *args, **kwargs).ok().records()


@pytest.fixture
def cli(tmp_path: Path, any_s3: S3Endpoint) -> Cli:
    return Cli(home=tmp_path, server=any_s3)


@pytest.fixture
def offline_cli(tmp_path: Path) -> Cli:
    """The CLI with no server at all (alias management, completion, bad endpoints)."""
    return Cli(home=tmp_path)


@pytest.fixture
def s3c(any_s3: S3Endpoint) -> Any:
    return any_s3.client()


@pytest.fixture
def bkt(s3c: Any) -> str:
    name = f"cli-{uuid.uuid4().hex[:12]}"
    s3c.create_bucket(Bucket=name)
    return name


def make_tree(root: Path, files: int = 12) -> dict[str, bytes]:
    """A small nested tree (like a tiny Zarr store); returns {relative path: bytes}."""
    content: dict[str, bytes] = {}
    for i in range(files):
        rel = f"var{i % 3}/c/{i}" if i % 4 else f"meta-{i}.json"
        data = os.urandom(100 + i * 37)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        content[rel] = data
    return content


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def keys(s3c: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = s3c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def public_read_policy(bucket: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                    "Resource": [arn],
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:GetObject"],
                    "Resource": [f"{arn}/*"],
                },
            ],
        }
    )
