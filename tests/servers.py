"""Start real servers as subprocesses on free loopback ports (no mocks).

``GrenierServer`` runs ``python -m grenier server`` with a temporary DATA_DIR;
``MotoServer`` runs moto's standalone server, the second S3 implementation the
client and data library are tested against.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import boto3
from botocore.config import Config


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout}s")


@dataclass
class S3Endpoint:
    """What a test needs to talk to one S3 server."""

    name: str
    endpoint: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self, service: str = "s3", **config: object) -> object:
        cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}, **config)  # type: ignore[arg-type]
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=cfg,
        )

    def env_host(self) -> str:
        """The GRENIER_HOST_<alias> value for this endpoint."""
        scheme, rest = self.endpoint.split("://", 1)
        return (
            f"{scheme}://{quote(self.access_key, safe='')}:{quote(self.secret_key, safe='')}@{rest}"
        )


@dataclass
class GrenierServer(S3Endpoint):
    data_dir: Path = Path()
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)
    log_path: Path | None = None

    @classmethod
    def start(
        cls, data_dir: Path, *extra_args: str, env: dict[str, str] | None = None
    ) -> GrenierServer:
        server = cls(
            name="grenier",
            endpoint="",
            access_key="grenier-root",
            secret_key="grenier-root-secret-key",
            data_dir=data_dir,
            extra_args=list(extra_args),
        )
        server.launch(env=env)
        return server

    def launch(self, env: dict[str, str] | None = None) -> None:
        self.port = self.port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        full_env = dict(os.environ)
        full_env.update(
            GRENIER_ROOT_USER=self.access_key,
            GRENIER_ROOT_PASSWORD=self.secret_key,
            GRENIER_CONSOLE_ADDRESS="off",  # tests that want the console pass an address
            PYTHONUNBUFFERED="1",
        )
        full_env.update(env or {})
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grenier",
                "server",
                str(self.data_dir),
                "--address",
                f"127.0.0.1:{self.port}",
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
        )
        log.close()
        wait_http(f"{self.endpoint}/minio/health/ready", self.proc)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


@dataclass
class MotoServer(S3Endpoint):
    proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls) -> MotoServer:
        port = free_port()
        env = dict(os.environ, MOTO_ALLOW_NONEXISTENT_REGION="true")
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        server = cls(
            name="moto",
            endpoint=f"http://127.0.0.1:{port}",
            access_key="testing",
            secret_key="testing",
            proc=proc,
        )
        wait_http(f"{server.endpoint}/moto-api/", proc)
        return server

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def process_tree(root: int) -> dict[int, str]:
    """pid -> state letter of ``root`` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        states[int(entry.name)], parents[int(entry.name)] = fields[0], int(fields[1])
    tree, frontier = {root: states.get(root, "?")}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree[pid] = states[pid]
                frontier.append(pid)
    return tree
