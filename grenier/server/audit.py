"""The audit log: one JSON line per request, to a file and/or a webhook.

* ``--audit-log FILE``: every worker appends to FILE (``O_APPEND``: each write lands whole
  at the end, whichever worker made it). Lines are buffered for at most 100 ms, so a
  request costs a ``json.dumps`` and a list append, not a system call; SIGHUP reopens the
  file (logrotate's ``postrotate``: ``systemctl kill -s HUP grenier``).
* ``GRENIER_AUDIT_WEBHOOK_ENDPOINT`` (or MinIO's ``MINIO_AUDIT_WEBHOOK_ENDPOINT``): records
  are POSTed in batches (``…_BATCH_SIZE``, default 100) as JSON lines, with ``…_AUTH_TOKEN``
  as the Authorization header when set. A bounded queue (``…_QUEUE_SIZE``, default 100,000)
  sits between requests and the sender: a request never waits for the webhook; a failed
  batch is retried with a growing pause (up to 30 s) while new records queue; when the
  queue is full the oldest record is dropped and counted in
  ``minio_audit_failed_messages``. HTTPS endpoints are verified against the system CAs plus
  ``CERTS_DIR/CAs``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections import deque
from pathlib import Path
from typing import Any

from grenier.server.metrics import RequestMetrics
from grenier.server.record import RequestRecord

log = logging.getLogger("grenier.server")

FLUSH_INTERVAL = 0.1
FLUSH_BYTES = 64 * 1024


class AuditFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = self._open()
        self.buffer: list[bytes] = []
        self.size = 0
        self._flusher: asyncio.TimerHandle | None = None

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def __call__(self, record: RequestRecord) -> None:
        line = record.json_line()
        self.buffer.append(line)
        self.size += len(line)
        if self.size >= FLUSH_BYTES:
            self.flush()
        elif self._flusher is None:
            self._flusher = asyncio.get_running_loop().call_later(FLUSH_INTERVAL, self.flush)

    def flush(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        if not self.buffer:
            return
        data = b"".join(self.buffer)
        self.buffer, self.size = [], 0
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError as exc:
            log.error("audit log %s: %s (%d bytes lost)", self.path, exc, len(data))

    def reopen(self) -> None:
        """After logrotate moved the file away: write to a new one at the same path."""
        self.flush()
        old, self.fd = self.fd, self._open()
        os.close(old)

    def close(self) -> None:
        self.flush()
        os.close(self.fd)


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"GRENIER_{name}") or os.environ.get(f"MINIO_{name}") or default


def webhook_from_env(
    metrics: RequestMetrics | None, client_ssl: ssl.SSLContext | None
) -> AuditWebhook | None:
    endpoint = _env("AUDIT_WEBHOOK_ENDPOINT")
    if not endpoint:
        return None
    return AuditWebhook(
        endpoint,
        token=_env("AUDIT_WEBHOOK_AUTH_TOKEN"),
        batch_size=max(1, int(_env("AUDIT_WEBHOOK_BATCH_SIZE", "100"))),
        queue_size=max(1, int(_env("AUDIT_WEBHOOK_QUEUE_SIZE", "100000"))),
        metrics=metrics,
        client_ssl=client_ssl,
    )


class AuditWebhook:
    target_id = "audit_webhook"

    def __init__(
        self,
        endpoint: str,
        token: str,
        batch_size: int,
        queue_size: int,
        metrics: RequestMetrics | None,
        client_ssl: ssl.SSLContext | None,
    ) -> None:
        self.endpoint = endpoint
        self.token = token
        self.batch_size = batch_size
        self.queue: deque[bytes] = deque()
        self.queue_size = queue_size
        self.metrics = metrics
        self.client_ssl = client_ssl
        self.sent = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __call__(self, record: RequestRecord) -> None:
        if len(self.queue) >= self.queue_size:
            self.queue.popleft()
            self.failed += 1
        self.queue.append(record.json_line())
        if len(self.queue) >= self.batch_size or not self._wake.is_set():
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self, timeout: float = 5.0) -> None:
        """Send what is queued (for a bounded time), then stop."""
        if self._task is None:
            return
        self._wake.set()
        deadline = asyncio.get_running_loop().time() + timeout
        while self.queue and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        self._task.cancel()
        self.report()

    def report(self) -> None:
        if self.metrics is not None:
            self.metrics.audit_counts(self.target_id, self.sent, self.failed, len(self.queue))
        self.sent = self.failed = 0

    async def _run(self) -> None:
        import aiohttp

        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = self.token
        connector = aiohttp.TCPConnector(ssl=self.client_ssl or True, limit=2)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            pause = 0.5
            while True:
                if not self.queue:
                    self._wake.clear()
                    await self._wake.wait()
                take = min(self.batch_size, len(self.queue))
                batch = [self.queue.popleft() for _ in range(take)]
                if await self._post(session, b"".join(batch)):
                    self.sent += len(batch)
                    pause = 0.5
                    continue
                # Put the batch back in front (as much as the bound allows) and retry.
                room = max(0, self.queue_size - len(self.queue))
                self.failed += max(0, len(batch) - room)
                self.queue.extendleft(reversed(batch[:room]))
                await asyncio.sleep(pause)
                pause = min(30.0, pause * 2)

    async def _post(self, session: Any, body: bytes) -> bool:
        import aiohttp

        try:
            async with session.post(
                self.endpoint, data=body, timeout=aiohttp.ClientTimeout(total=10)
            ) as resp:
                if resp.status < 300:
                    return True
                log.warning("audit webhook %s answered %d", self.endpoint, resp.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("audit webhook %s: %s", self.endpoint, exc)
        return False
