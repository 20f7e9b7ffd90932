"""`grenier server`: start-up, recovery, serving, graceful shutdown."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web

from grenier.engine import Engine, EngineConfig, mark_clean
from grenier.s3.app import S3Service, S3Settings, build_app
from grenier.server import archives, console_site, logs
from grenier.server.config import RootCredentials, ServerConfig, parse_args, root_credentials
from grenier.server.connections import (
    ConnectionGuard,
    ConnectionLimits,
    GuardedSite,
    default_max_connections,
    raise_open_file_limit,
)
from grenier.server.metrics import enable_multiprocess, mark_worker_dead
from grenier.server.operations import Operations
from grenier.server.runtime import Runtime, prepare_run_dir, started_at
from grenier.server.tls import CertStore
from grenier.server.workers import Supervisor, inherited_worker_socket

log = logging.getLogger("grenier.server")


def lock_data_dir(data_dir: Path) -> int:
    fd = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"grenier: {data_dir} is in use by another grenier server") from None
    return fd


def endpoint_url(cfg: ServerConfig, tls: bool) -> str:
    host = cfg.host if cfg.host not in ("0.0.0.0", "::") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{host}:{cfg.port}"


def announce(cfg: ServerConfig, creds: RootCredentials, tls: bool) -> None:
    url = endpoint_url(cfg, tls)
    print(
        f"Grenier S3 endpoint: {url}  (region {cfg.region}, data {cfg.data_dir}, "
        f"durability {'full' if cfg.durable else 'relaxed'})",
        flush=True,
    )
    if creds.generated:
        print(f"Root credentials were generated and stored (0600) in {creds.source}:", flush=True)
        print(f"   access key: {creds.access_key}", flush=True)
        print(f"   secret key: {creds.secret_key}", flush=True)
        print(
            f"Configure the client:\n   grenier alias set local {url} {creds.access_key} "
            f"{creds.secret_key}",
            flush=True,
        )
    else:
        print(f"Root credentials: from {creds.source}", flush=True)


def engine_config(cfg: ServerConfig) -> EngineConfig:
    return EngineConfig(durable=cfg.durable, reserve=cfg.disk_reserve)


def make_service(cfg: ServerConfig, creds: RootCredentials) -> tuple[S3Service, Any]:
    engine = Engine(cfg.data_dir, engine_config(cfg))
    settings = S3Settings(
        region=cfg.region,
        domain=cfg.domain,
        root_access_key=creds.access_key,
        root_secret_key=creds.secret_key,
    )
    service = S3Service(engine=engine, settings=settings)
    from grenier.server import wiring

    installed = wiring.wire(service, cfg)
    return service, installed.get("grenier.adminapi.admin_routes")


def connection_limits(cfg: ServerConfig) -> ConnectionLimits:
    return ConnectionLimits(
        idle_timeout=cfg.idle_timeout,
        header_timeout=cfg.read_header_timeout,
        body_timeout=cfg.body_timeout,
        max_connections=cfg.max_connections,
    )


async def serve(
    cfg: ServerConfig,
    creds: RootCredentials,
    sock: socket.socket,
    supervisor: Supervisor | None = None,
    console_sock: socket.socket | None = None,
) -> None:
    # File writes, fsyncs and large reads run here: threads mostly wait on the disk, so
    # more of them than cores lets concurrent uploads overlap their fsyncs.
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=32, thread_name_prefix="grenier-io"))
    certs = CertStore(cfg.certs_dir)
    ssl_context = certs.load()
    runtime = Runtime(
        run_dir=cfg.data_dir / "run",
        started_at=started_at(),
        workers=cfg.workers,
        durability="full" if cfg.durable else "relaxed",
        region=cfg.region,
        endpoint=f"{cfg.host}:{cfg.port}",
        tls=ssl_context is not None,
    )
    ops = Operations(cfg, runtime, certs)
    service, admin = make_service(cfg, creds)
    app = build_app(service)
    ops.install(service, app, admin)
    guard = ConnectionGuard(connection_limits(cfg), loop)
    # auto_decompress=False: a Content-Encoding on a PUT describes the object, not the transfer.
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=30,
        auto_decompress=False,
        keepalive_timeout=guard.keepalive_backstop,
        **ops.runner_kwargs(),
    )
    await runner.setup()
    site = GuardedSite(runner, sock, guard, ssl_context)
    await site.start()
    guard.start()
    await ops.start(guard)
    console = await console_site.start(cfg, console_sock) if console_sock else None
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def reload() -> None:
        ops.reload()
        if supervisor is not None:
            supervisor.signal_all(signal.SIGHUP)

    loop.add_signal_handler(signal.SIGHUP, reload)
    if supervisor is not None:
        supervisor.watch(loop)
    if _stop_requested:
        stop.set()
    await stop.wait()
    if supervisor is not None:
        supervisor.stop()
    log.info("draining in-flight requests")
    guard.stop()
    if console is not None:
        await console.cleanup()
    await site.stop()  # stop accepting; connections in progress go on
    await ops.stop_streams()
    await service.drain(timeout=30)
    await runner.cleanup()
    await ops.stop()
    service.engine.close(clean=False)


def prepare_identities(cfg: ServerConfig) -> None:
    """Create iam.db (schema, WAL mode) once, before any worker opens it."""
    from grenier.iam.store import IamStore

    IamStore.open(cfg.data_dir).close()


def bind(cfg: ServerConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((cfg.host, cfg.port))
    except OSError as exc:
        raise SystemExit(
            f"grenier: cannot listen on {cfg.host}:{cfg.port}: {exc.strerror}"
        ) from None
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def run_worker(
    cfg: ServerConfig,
    creds: RootCredentials,
    sock: socket.socket,
    supervisor: Supervisor | None = None,
    console_sock: socket.socket | None = None,
) -> None:
    if os.environ.get("GRENIER_EVENT_LOOP", "uvloop") == "uvloop":
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
    asyncio.run(serve(cfg, creds, sock, supervisor, console_sock))


_stop_requested = False


def _early_stop(_signum: int, _frame: object) -> None:
    """SIGTERM/SIGINT before the event loop handles them: remember, stop once serving."""
    global _stop_requested
    _stop_requested = True


def limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena; with 32 I/O threads
    that is hundreds of MB of mostly empty heap after a burst of large bodies. Two
    arenas keep the RSS flat (mallopt M_ARENA_MAX, before any thread starts)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def run(argv: list[str]) -> int:
    # The CLI's own SIGTERM handler (Ctrl-C semantics for transfers) must not apply here:
    # a stop request during start-up is remembered and honoured once serving.
    signal.signal(signal.SIGTERM, _early_stop)
    signal.signal(signal.SIGINT, _early_stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the event loop handles it (reload)
    limit_malloc_arenas()
    cfg = parse_args(argv)
    logs.configure(cfg.log_level, cfg.log_format)
    os.umask(0o077)  # everything under DATA_DIR (index, data, identities) is private
    open_files = raise_open_file_limit()
    cfg.max_connections = cfg.max_connections or default_max_connections(open_files)
    inherited = inherited_worker_socket()
    if inherited is not None:  # a replacement worker started by the supervisor
        run_worker(cfg, root_credentials(cfg.data_dir), inherited)
        return 0
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    lock_fd = lock_data_dir(cfg.data_dir)
    creds = root_credentials(cfg.data_dir)
    recovery_engine = Engine(cfg.data_dir, engine_config(cfg))
    report = recovery_engine.recover()
    archives.prepare(cfg, recovery_engine)
    recovery_engine.close(clean=False)
    prepare_identities(cfg)
    if report.temp_removed or report.garbage_removed or report.orphans_removed:
        log.info("recovery: %s", report)
    enable_multiprocess(prepare_run_dir(cfg.data_dir))
    try:
        tls = CertStore(cfg.certs_dir).load() is not None  # fail here, not in each worker
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise SystemExit(f"grenier: TLS certificates in {cfg.certs_dir}: {exc}") from None
    sock = bind(cfg)
    console_sock = console_site.bind(cfg)
    announce(cfg, creds, tls)
    if console_sock is not None:
        print(f"Grenier console: {console_site.url(console_sock)}", flush=True)
    if cfg.workers == 1:
        run_worker(cfg, creds, sock, console_sock=console_sock)
    else:

        def child() -> None:
            if console_sock is not None:
                console_sock.close()  # the console is served by the first process only
            run_worker(cfg, creds, sock)

        supervisor = Supervisor(cfg.workers - 1, sock, cfg.argv, child, on_exit=mark_worker_dead)
        supervisor.fork_initial()
        try:
            run_worker(cfg, creds, sock, supervisor, console_sock)
        finally:
            supervisor.stop()
            supervisor.wait_all()
    mark_clean(cfg.data_dir)
    os.close(lock_fd)
    return 0
