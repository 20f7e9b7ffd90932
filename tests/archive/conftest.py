"""Archive buckets: a generated netCDF tree (tests/archive/tree.py) served by a real server
started with ``--archive arch=ROOT`` (two workers), and the clients that read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.archive.tree import add_links, write_tree
from tests.servers import GrenierServer

BUCKET = "arch"


@pytest.fixture(scope="session")
def archive_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("archive")
    root = base / "root"
    write_tree(root)
    add_links(root, base / "outside")
    return root


def start_archive_server(
    data_dir: Path, root: Path, *extra: str, env: dict[str, str] | None = None
) -> GrenierServer:
    server = GrenierServer.start(data_dir, "--archive", f"{BUCKET}={root}", *extra, env=env)
    wait_ready(server)
    return server


def wait_ready(
    server: GrenierServer, bucket: str = BUCKET, timeout: float = 60.0
) -> dict[str, Any]:
    """Wait for the archive's first scan (the admin API's status), then return it."""
    deadline = time.monotonic() + timeout
    while True:
        doc = admin(server, "GET", f"archive?name={bucket}")["archives"][0]
        if doc["ready"] and doc["state"] != "scanning":
            return dict(doc)
        if time.monotonic() > deadline:
            raise TimeoutError(f"archive {bucket} not scanned after {timeout}s: {doc}")
        time.sleep(0.1)


def admin(server: GrenierServer, method: str, route: str) -> dict[str, Any]:
    """A call to the admin JSON API through the project's client (SigV4 by botocore)."""
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    alias = Alias("t", server.endpoint, server.access_key, server.secret_key)
    name, _, query = route.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if p)
    return AdminApi(alias).call(method, name, params or None)


@pytest.fixture(scope="session")
def archive_server(
    archive_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GrenierServer]:
    server = start_archive_server(tmp_path_factory.mktemp("archive-server") / "data", archive_root)
    yield server
    server.stop()


@pytest.fixture
def s3(archive_server: GrenierServer) -> Any:
    return archive_server.client()


def http(method: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """An unsigned request (anonymous): its status and body."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def grenier_cli(server: GrenierServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(home), GRENIER_HOST_t=server.env_host())
    return subprocess.run(
        [sys.executable, "-m", "grenier", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def storage_options(server: GrenierServer, anonymous: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = {"client_kwargs": {"endpoint_url": server.endpoint}}
    if anonymous:
        options["anon"] = True
    else:
        options.update(key=server.access_key, secret=server.secret_key)
    return options


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
