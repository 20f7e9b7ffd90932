"""Live trace across all workers (``grenier admin trace``, like ``mc admin trace``).

Each worker listens on a Unix socket ``DATA_DIR/run/trace/<pid>.sock`` (the folder is
private to the server's user). The worker that receives a trace request subscribes
locally and connects to every other worker's socket, sending its filter as one JSON line;
each worker then streams the matching records of the requests it finishes back as JSON
lines, until the connection closes. New workers (a replacement) are picked up within two
seconds. With nobody tracing, a finished request costs one attribute test.

A subscriber that cannot keep up loses records (bounded queues) rather than slowing
requests down.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grenier.server.observe import safe_headers

log = logging.getLogger("grenier.server")

QUEUE_LIMIT = 10_000
PEER_BUFFER_LIMIT = 1 << 20
RESCAN_INTERVAL = 2.0


@dataclass(frozen=True)
class TraceFilter:
    status_code: int | None = None
    path: str | None = None  # a glob on "bucket/key", e.g. "mybucket/*.zarr/*"
    verbose: bool = False

    def wants(self, record: dict[str, Any]) -> bool:
        api = record["api"]
        if self.status_code is not None and api["statusCode"] != self.status_code:
            return False
        if self.path:
            target = f"{api['bucket']}/{api['object']}" if api["object"] else api["bucket"]
            pattern = self.path.lstrip("/")
            if not (fnmatch.fnmatchcase(target, pattern) or target.startswith(pattern)):
                return False
        return True

    def to_json(self) -> bytes:
        data = {"status_code": self.status_code, "path": self.path, "verbose": self.verbose}
        return json.dumps(data).encode() + b"\n"

    @classmethod
    def from_json(cls, line: bytes) -> TraceFilter:
        data = json.loads(line)
        status = data.get("status_code")
        return cls(
            status_code=int(status) if status is not None else None,
            path=data.get("path") or None,
            verbose=bool(data.get("verbose")),
        )


class _Subscriber:
    def __init__(self, flt: TraceFilter) -> None:
        self.filter = flt
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self.dropped = 0

    def push(self, record: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1

    def end(self) -> None:
        """The server is stopping: the stream ends after what is queued."""
        while True:
            try:
                self.queue.put_nowait(None)  # type: ignore[arg-type]
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()


class Subscription:
    def __init__(self, queue: asyncio.Queue[dict[str, Any]], close: Callable[[], None]) -> None:
        self.queue = queue
        self.close = close

    async def get(self) -> dict[str, Any] | None:
        """The next record; None once the server is stopping."""
        return await self.queue.get()


class TraceBus:
    """This worker's side of the trace: local subscribers and the peer socket."""

    def __init__(self, run_dir: Path) -> None:
        self.folder = run_dir / "trace"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pid = os.getpid()
        self.local: list[_Subscriber] = []
        self.peers: list[tuple[TraceFilter, asyncio.StreamWriter]] = []
        self._server: asyncio.AbstractServer | None = None
        self._dir_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)

    @property
    def active(self) -> bool:
        return bool(self.local or self.peers)

    def _path(self, name: str) -> str:
        direct = str(self.folder / name)
        return direct if len(direct) < 100 else f"/proc/self/fd/{self._dir_fd}/{name}"

    async def start(self) -> None:
        name = f"{self.pid}.sock"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.folder / name)
        self._server = await asyncio.start_unix_server(self._serve_peer, path=self._path(name))

    async def stop(self) -> None:
        for sub in list(self.local):
            sub.end()
        if self._server is not None:
            self._server.close()
        for _flt, writer in self.peers:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.folder / f"{self.pid}.sock")
        os.close(self._dir_fd)

    # --- producing ------------------------------------------------------------------

    def publish(self, record: dict[str, Any], request: Any, response: Any) -> None:
        verbose: dict[str, Any] | None = None

        def full() -> dict[str, Any]:
            nonlocal verbose
            if verbose is None:
                verbose = _verbose(record, request, response)
            return verbose

        for sub in self.local:
            if sub.filter.wants(record):
                sub.push(full() if sub.filter.verbose else record)
        for flt, writer in list(self.peers):
            if not flt.wants(record):
                continue
            if writer.transport.get_write_buffer_size() > PEER_BUFFER_LIMIT:
                continue  # a slow reader loses records
            writer.write(json.dumps(full() if flt.verbose else record).encode() + b"\n")

    async def _serve_peer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            flt = TraceFilter.from_json(await reader.readline())
        except (ValueError, TypeError):
            writer.close()
            return
        entry = (flt, writer)
        self.peers.append(entry)
        try:
            await reader.read()  # until the subscriber goes away
        except (ConnectionError, OSError):
            pass
        finally:
            self.peers.remove(entry)
            writer.close()

    # --- consuming ------------------------------------------------------------------

    def subscribe(self, flt: TraceFilter) -> Subscription:
        """Records of every worker matching ``flt`` until the subscription is closed."""
        sub = _Subscriber(flt)
        self.local.append(sub)
        followed: dict[str, asyncio.Task[None]] = {}
        scanner = asyncio.ensure_future(self._follow_peers(flt, sub, followed))

        def close() -> None:
            if sub in self.local:
                self.local.remove(sub)
            scanner.cancel()
            for task in followed.values():
                task.cancel()

        return Subscription(sub.queue, close)

    async def _follow_peers(
        self, flt: TraceFilter, sub: _Subscriber, followed: dict[str, asyncio.Task[None]]
    ) -> None:
        while True:
            for entry in os.listdir(self.folder):
                if entry.endswith(".sock") and entry != f"{self.pid}.sock":
                    task = followed.get(entry)
                    if task is None or task.done():
                        followed[entry] = asyncio.ensure_future(self._follow(entry, flt, sub))
            await asyncio.sleep(RESCAN_INTERVAL)

    async def _follow(self, name: str, flt: TraceFilter, sub: _Subscriber) -> None:
        try:
            reader, writer = await asyncio.open_unix_connection(self._path(name))
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / name)  # a worker that died without cleaning up
            return
        except OSError:
            return
        try:
            writer.write(flt.to_json())
            while line := await reader.readline():
                try:
                    sub.push(json.loads(line))
                except ValueError:
                    continue
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def _verbose(record: dict[str, Any], request: Any, response: Any) -> dict[str, Any]:
    """The record plus request and response headers (signatures and tokens redacted)."""
    return {
        **record,
        "requestHeader": safe_headers(request.headers),
        "responseHeader": safe_headers(response.headers),
    }
