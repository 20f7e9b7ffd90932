"""Server configuration: command line, environment, and root credentials."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
from dataclasses import dataclass, field
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
    disk_reserve: int | None = None  # bytes (None: the engine's default)
    # Slow and idle clients (grenier.server.connections).
    idle_timeout: float = 30.0
    read_header_timeout: float = 30.0
    body_timeout: float = 60.0
    max_connections: int = 0  # per worker; 0 = derived from the open-file limit
    # Operations (TLS, audit, logs).
    certs_dir: Path = field(default_factory=lambda: Path.home() / ".grenier" / "certs")
    audit_log: Path | None = None
    access_log: bool = False
    log_format: str = "text"
    argv: list[str] = field(default_factory=list)
    # The web console's address (None: off); ``console_explicit`` when the user chose it
    # (then failing to listen is fatal; the default address is skipped with a warning).
    console: tuple[str, int] | None = None
    console_explicit: bool = False
    # Archive buckets (grenier.server.archives): bucket name -> directory served read-only.
    archives: dict[str, str] = field(default_factory=dict)
    archive_rescan_interval: float = 3600.0
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
        "--disk-reserve",
        type=byte_size,
        default=_env("DISK_RESERVE", "") or None,
        metavar="SIZE",
        help="disk space held back in DATA_DIR/reserve so that deletes, metadata updates "
        "and start-up work on a full disk, where writes answer 507 InsufficientStorage "
        "(default 64MiB, at most 2%% of the filesystem; 0 turns it off)",
    )
    _add_connection_options(parser)
    _add_operations_options(parser)
    _add_archive_options(parser)
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
        disk_reserve=args.disk_reserve,
        idle_timeout=args.idle_timeout,
        read_header_timeout=args.read_header_timeout,
        body_timeout=args.body_timeout,
        max_connections=args.max_connections,
        certs_dir=Path(args.certs_dir).expanduser(),
        audit_log=Path(args.audit_log) if args.audit_log else None,
        access_log=args.access_log,
        log_format=args.log_format,
        argv=list(argv),
        console=console,
        console_explicit=args.console_address is not None,
        archives=_archives(parser, args.archive or []),
        archive_rescan_interval=args.archive_rescan_interval,
        default_object_ownership=""
        if args.default_object_ownership == "ObjectWriter"
        else args.default_object_ownership,
    )


def duration(text: str) -> float:
    """Seconds, plain or with a unit as MinIO writes them: ``30``, ``30s``, ``5m``, ``1h``."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    value = text.strip().lower()
    for suffix in ("ms", "s", "m", "h"):
        if value.endswith(suffix):
            value, scale = value[: -len(suffix)], units[suffix]
            break
    else:
        scale = 1.0
    try:
        seconds = float(value) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 30s, 5m)") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"a duration must be positive, got {text!r}")
    return seconds


UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "ki": 1024, "mi": 1024**2, "gi": 1024**3}


def byte_size(text: str) -> int:
    """Bytes, plain or with a unit: ``67108864``, ``64MiB``, ``64M`` (M = 10^6)."""
    value = text.strip().lower().removesuffix("b")
    number = value.rstrip("kmgi")
    unit = value[len(number) :]
    if not number.isdigit() or unit not in UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64MiB)")
    return int(number) * UNITS[unit]


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GRENIER_{name}", default)


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "slow and idle clients",
        "Each worker closes a connection that stays idle, sends its headers too slowly or "
        "stalls in the middle of a body; at the connection limit, a new connection "
        "replaces the oldest one that is idle or still sending its headers.",
    )
    group.add_argument(
        "--idle-timeout",
        type=duration,
        default=_env("IDLE_TIMEOUT", "30s"),
        help="close a keep-alive connection idle this long (default 30s)",
    )
    group.add_argument(
        "--read-header-timeout",
        type=duration,
        default=_env("READ_HEADER_TIMEOUT", "30s"),
        help="a request's headers must arrive within this time of its first byte; "
        "also bounds the TLS handshake (default 30s)",
    )
    group.add_argument(
        "--body-timeout",
        type=duration,
        default=_env("BODY_TIMEOUT", "60s"),
        help="close a connection whose request body stalls this long (default 60s)",
    )
    group.add_argument(
        "--max-connections",
        type=int,
        default=int(_env("MAX_CONNECTIONS", "0")),
        help="open connections per worker (default: 4096, less if the open-file limit "
        "is lower; the soft open-file limit is raised to the hard one at start-up)",
    )


def _add_operations_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TLS, audit and logs")
    group.add_argument(
        "--certs-dir",
        default=_env("CERTS_DIR", str(Path("~/.grenier/certs"))),
        help="public.crt + private.key here turn HTTPS on; CAs/ holds extra trusted CAs; "
        "DOMAIN/public.crt + private.key are SNI certificates (default ~/.grenier/certs)",
    )
    group.add_argument(
        "--audit-log",
        default=_env("AUDIT_LOG", "") or None,
        metavar="FILE",
        help="append one JSON line per request to FILE (reopened on SIGHUP); "
        "GRENIER_AUDIT_WEBHOOK_ENDPOINT sends the same records to a webhook",
    )
    group.add_argument(
        "--access-log",
        action="store_true",
        default=_env("ACCESS_LOG", "off").lower() in ("1", "on", "true", "yes"),
        help="log one line per request at INFO (off by default)",
    )
    group.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=_env("LOG_FORMAT", "text"),
        help="format of the server's log lines on stderr (default text)",
    )


def _add_archive_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("archive buckets (docs/archive.md)")
    group.add_argument(
        "--archive",
        action="append",
        metavar="NAME=PATH",
        help="serve the directory PATH read-only as bucket NAME, with virtual Zarr over "
        "its netCDF files (repeatable)",
    )
    group.add_argument(
        "--archive-rescan-interval",
        type=duration,
        metavar="DURATION",
        default=_env("ARCHIVE_RESCAN_INTERVAL", "1h"),
        help="rescan each archive's tree this often (default 1h; changed files are "
        "noticed on read in between)",
    )


def _archives(parser: argparse.ArgumentParser, specs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"--archive must be NAME=PATH, got {spec!r}")
        if name in found:
            parser.error(f"--archive {name} is given twice")
        found[name] = path
    return found


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
