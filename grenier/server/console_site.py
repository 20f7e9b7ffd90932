"""Mounting the web console (``grenier.console``) on its own address, in the first process.

The console is an S3 client of this server: it only needs the loopback URL of the S3
endpoint. Sessions live in memory, so the console is served by one process (the first
worker); its S3 requests go to the shared S3 socket like any client's.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from grenier.server.config import ServerConfig

log = logging.getLogger("grenier.server")


def bind(cfg: ServerConfig) -> socket.socket | None:
    """The console's listening socket; None when off, or when the default address is taken."""
    if cfg.console is None:
        return None
    host, port = cfg.console
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if cfg.console_explicit:
            raise SystemExit(
                f"grenier: cannot listen on {host}:{port} for the console: {exc.strerror}"
            ) from None
        log.warning("console: cannot listen on %s:%s (%s); console off", host, port, exc.strerror)
        return None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def s3_url(cfg: ServerConfig) -> str:
    """The S3 endpoint as the console reaches it (loopback when listening on all addresses)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(cfg.host, cfg.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{cfg.port}"


async def start(cfg: ServerConfig, sock: socket.socket) -> web.AppRunner:
    from aiohttp import web

    from grenier.console import ConsoleSettings, build_app

    settings = ConsoleSettings.from_env(s3_url=s3_url(cfg), region=cfg.region)
    runner = web.AppRunner(build_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock, shutdown_timeout=10).start()
    return runner
