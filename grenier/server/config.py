"""Server configuration: command line, environment, and root credentials."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

CREDENTIALS_FILE = "root-credentials.json"
DEFAULT_CONSOLE = "127.0.0.1:9001"


@dataclass
class ServerConfig:
    data_dir: Path
    host: str
    port: int
    region: str
    domain: str | None
    durable: bool
    workers: int
    log_level: str
    lifecycle_interval: float
    # The web console's address (None: off); ``console_explicit`` when the user chose it
    # (then failing to listen is fatal; the default address is skipped with a warning).
    console: tuple[str, int] | None = None
    console_explicit: bool = False
    # Object ownership of buckets created without x-amz-object-ownership: "" (none:
    # ACLs accepted, the writer owns its objects), BucketOwnerPreferred or
    # BucketOwnerEnforced (AWS's default since 2023: ACLs disabled).
    default_object_ownership: str = ""


def parse_args(argv: list[str]) -> ServerConfig:
    parser = argparse.ArgumentParser(
        prog="grenier server", description="Start the Grenier S3 server."
    )
    parser.add_argument(
        "data_dir",
        nargs="?",
        default="./grenier-data",
        help="where the index and the object data live (default: ./grenier-data)",
    )
    parser.add_argument(
        "--address",
        default=os.environ.get("GRENIER_ADDRESS", "127.0.0.1:9000"),
        help="HOST:PORT to listen on (default 127.0.0.1:9000)",
    )
    parser.add_argument("--region", default=os.environ.get("GRENIER_REGION", "us-east-1"))
    parser.add_argument(
        "--domain",
        default=os.environ.get("GRENIER_DOMAIN"),
        help="enable virtual-host style requests: BUCKET.DOMAIN",
    )
    parser.add_argument(
        "--durability",
        choices=["full", "relaxed"],
        default=os.environ.get("GRENIER_DURABILITY", "full"),
        help="full: fsync data and index before acknowledging (default); "
        "relaxed: no fsync (survives a process crash, not a power loss)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("GRENIER_WORKERS", "0")),
        help="worker processes sharing the listening socket (default: one per core)",
    )
    parser.add_argument("--log-level", default=os.environ.get("GRENIER_LOG_LEVEL", "info"))
    parser.add_argument(
        "--lifecycle-interval",
        type=float,
        default=float(os.environ.get("GRENIER_LIFECYCLE_INTERVAL", "3600")),
        help="seconds between lifecycle sweeps",
    )
    parser.add_argument(
        "--console-address",
        default=os.environ.get("GRENIER_CONSOLE_ADDRESS"),
        help=f"HOST:PORT of the web console (default {DEFAULT_CONSOLE}; 'off' to disable)",
    )
    parser.add_argument(
        "--default-object-ownership",
        choices=["ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"],
        default=os.environ.get("GRENIER_DEFAULT_OBJECT_OWNERSHIP", "ObjectWriter"),
        help="object ownership of buckets created without one: ObjectWriter (default; "
        "ACLs accepted), BucketOwnerPreferred, or BucketOwnerEnforced (AWS's current "
        "default: ACLs disabled)",
    )
    args = parser.parse_args(argv)
    host, _, port = args.address.rpartition(":")
    if not port.isdigit():
        parser.error(f"--address must be HOST:PORT, got {args.address!r}")
    console_text = args.console_address or DEFAULT_CONSOLE
    console: tuple[str, int] | None = None
    if console_text.lower() != "off":
        chost, _, cport = console_text.rpartition(":")
        if not cport.isdigit():
            parser.error(f"--console-address must be HOST:PORT or off, got {console_text!r}")
        console = (chost.strip("[]") or "0.0.0.0", int(cport))
    return ServerConfig(
        data_dir=Path(args.data_dir),
        host=host.strip("[]") or "0.0.0.0",
        port=int(port),
        region=args.region,
        domain=args.domain,
        durable=args.durability == "full",
        workers=args.workers if args.workers > 0 else (os.cpu_count() or 1),
        log_level=args.log_level.upper(),
        lifecycle_interval=args.lifecycle_interval,
        console=console,
        console_explicit=args.console_address is not None,
        default_object_ownership=""
        if args.default_object_ownership == "ObjectWriter"
        else args.default_object_ownership,
    )


@dataclass
class RootCredentials:
    access_key: str
    secret_key: str
    generated: bool = False
    source: str = "environment"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def root_credentials(data_dir: Path) -> RootCredentials:
    """From GRENIER_ROOT_* (or MINIO_ROOT_*), else the stored file, else generated once."""
    for user_var, pass_var in (
        ("GRENIER_ROOT_USER", "GRENIER_ROOT_PASSWORD"),
        ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"),
    ):
        user, password = os.environ.get(user_var), os.environ.get(pass_var)
        if user and password:
            if len(user) < 3 or len(password) < 8:
                raise SystemExit(
                    f"{user_var} must be at least 3 characters and {pass_var} at least 8"
                )
            return RootCredentials(user, password, source=user_var)
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        data = json.loads(path.read_text())
        return RootCredentials(data["access_key"], data["secret_key"], source=str(path))
    creds = RootCredentials(
        access_key=_random(string.ascii_uppercase + string.digits, 20),
        secret_key=_random(string.ascii_letters + string.digits, 40),
        generated=True,
        source=str(path),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"access_key": creds.access_key, "secret_key": creds.secret_key}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    return creds
