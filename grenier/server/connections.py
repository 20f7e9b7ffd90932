"""Slow and idle clients: per-connection deadlines and a connection cap per worker.

aiohttp's server has one clock per connection, the keep-alive deadline, and no limit on
how many connections a process holds, so a client that opens connections and sends half a
request keeps them forever and, past the open-file limit, new clients are refused. Each
connection's protocol is therefore wrapped in a :class:`GuardedConnection` that notes when
bytes arrive (two clock reads per received chunk), and a sweep once a second applies, as
Go's ``http.Server`` and MinIO do:

* **idle**: a keep-alive connection with no byte of a next request for ``idle_timeout``;
* **header**: a request whose headers are not complete ``read_header_timeout`` after its
  first byte (slowloris); the TLS handshake has the same bound;
* **body**: a request whose handler waits for body bytes that do not come for
  ``body_timeout`` (the clock starts when the handler is first seen waiting, so a handler
  that was busy is never blamed for the bytes it did not read).

At ``max_connections`` a new connection replaces the oldest one still sending its headers,
else the oldest idle one; when every connection is busy with a request the new one gets a
503 SlowDown (which SDKs retry) and is closed. Nothing here touches the request path.

The state of a connection is read from aiohttp's ``RequestHandler`` (``_waiter`` is
pending while it waits for the next request, ``_current_request`` while a handler runs,
``_next_keepalive_close_time`` marks the end of the previous response): private
attributes of the pinned aiohttp version, exercised by ``tests/server/test_slow_clients.py``.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("grenier.server")

SWEEP_INTERVAL = 1.0
DEFAULT_MAX_CONNECTIONS = 4096
RESERVED_FILES = 256  # data files, index, logs, sockets a worker opens besides connections
_SLOWDOWN = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: 132\r\n\r\n"
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>\n"
)


@dataclass(frozen=True)
class ConnectionLimits:
    idle_timeout: float
    header_timeout: float
    body_timeout: float
    max_connections: int


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (allowed without privileges);
    return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d: %s", soft, exc)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def default_max_connections(open_files: int) -> int:
    return max(16, min(DEFAULT_MAX_CONNECTIONS, open_files - RESERVED_FILES))


class GuardedConnection(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the arrival times of its bytes."""

    def __init__(self, inner: RequestHandler, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None
        self.refused = False
        self.opened = 0.0
        self.first_rx = 0.0  # first byte of the request being received
        self.last_rx = 0.0
        self.stall_seen = 0.0  # when the sweep first saw the handler waiting for body bytes

    # --- asyncio.Protocol, forwarded --------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment] # uvloop's is no subclass
        self.opened = self.guard.loop.time()
        if not self.guard.admit(self):
            self.refused = True
            transport.write(_SLOWDOWN)
            transport.close()
            return
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        now = self.guard.loop.time()
        if self.last_rx < self.idle_since():
            self.first_rx = now  # the first bytes since the last response: a new request
        self.last_rx = now
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self.refused else self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        if not self.refused:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if not self.refused:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if not self.refused:
            self.inner.resume_writing()

    # --- state --------------------------------------------------------------------------

    def idle_since(self) -> float:
        """End of the previous response (or the connection's start)."""
        deadline: float = getattr(self.inner, "_next_keepalive_close_time", 0.0)
        return max(self.opened, deadline - self.guard.keepalive_backstop)

    def between_requests(self) -> bool:
        waiter = getattr(self.inner, "_waiter", None)
        return waiter is not None and not waiter.done()

    def receiving_header(self) -> bool:
        return self.between_requests() and self.last_rx >= self.idle_since()

    def waiting_for_body(self) -> bool:
        request = getattr(self.inner, "_current_request", None)
        if request is None:
            return False
        return getattr(request.content, "_waiter", None) is not None

    def close(self, why: str, level: int = logging.INFO) -> None:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        log.log(level, "closing the connection from %s: %s", peer, why)
        self.inner.force_close()


class ConnectionGuard:
    """The connections of one worker, their deadlines and their cap."""

    def __init__(self, limits: ConnectionLimits, loop: asyncio.AbstractEventLoop) -> None:
        self.limits = limits
        self.loop = loop
        # aiohttp's own keep-alive deadline stays as a backstop behind the sweep's.
        self.keepalive_backstop = limits.idle_timeout + limits.header_timeout
        self.connections: set[GuardedConnection] = set()
        self.refused = 0
        self.evicted = 0
        self._sweeper: asyncio.Task[None] | None = None

    def factory(self, server: web.Server) -> Any:
        return lambda: GuardedConnection(server(), self)

    def admit(self, conn: GuardedConnection) -> bool:
        if len(self.connections) >= self.limits.max_connections:
            victim = self._victim()
            if victim is None:
                self.refused += 1
                return False
            self.evicted += 1
            self.connections.discard(victim)
            victim.close("connection limit reached; a new client took its place")
        self.connections.add(conn)
        return True

    def forget(self, conn: GuardedConnection) -> None:
        self.connections.discard(conn)

    def _victim(self) -> GuardedConnection | None:
        headers = [c for c in self.connections if c.receiving_header()]
        if headers:
            return min(headers, key=lambda c: c.first_rx)
        idle = [c for c in self.connections if c.between_requests()]
        return min(idle, key=lambda c: c.idle_since()) if idle else None

    def start(self) -> None:
        self._sweeper = asyncio.ensure_future(self._sweep_forever())

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the sweep must outlive any one connection
                log.exception("connection sweep failed")

    def sweep(self) -> None:
        now = self.loop.time()
        limits = self.limits
        for conn in list(self.connections):
            if conn.transport is None:
                continue
            if conn.between_requests():
                conn.stall_seen = 0.0
                idle_since = conn.idle_since()
                if conn.last_rx < idle_since:
                    if now - idle_since > limits.idle_timeout:
                        conn.close(f"idle for {limits.idle_timeout:g}s", logging.DEBUG)
                elif now - conn.first_rx > limits.header_timeout:
                    conn.close(f"request headers incomplete after {limits.header_timeout:g}s")
            elif conn.waiting_for_body():
                if not conn.stall_seen:
                    conn.stall_seen = now
                if now - max(conn.last_rx, conn.stall_seen) > limits.body_timeout:
                    conn.close(f"request body stalled for {limits.body_timeout:g}s")
            else:
                conn.stall_seen = 0.0


class GuardedSite(web.SockSite):
    """aiohttp's SockSite, serving each connection through the guard's protocol wrapper."""

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: Any,
        guard: ConnectionGuard,
        ssl_context: Any = None,
    ) -> None:
        super().__init__(runner, sock, ssl_context=ssl_context, backlog=1024)
        self.guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        extra: dict[str, Any] = {}
        if self._ssl_context is not None:
            extra["ssl_handshake_timeout"] = self.guard.limits.header_timeout
        self._server = await self.guard.loop.create_server(
            self.guard.factory(server),
            sock=self._sock,
            ssl=self._ssl_context,
            backlog=self._backlog,
            **extra,
        )
