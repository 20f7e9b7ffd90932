"""The lean bulk path: signed S3 requests on an asyncio (uvloop) + aiohttp event loop.

botocore spends about a millisecond of CPU per request, more than a small object costs to
move. For the many small PUTs and GETs of ``cp -r`` and ``mirror`` the :class:`Runner`
keeps one event loop on a background thread, one aiohttp session per alias (keep-alive
pool of ``workers`` connections) and a cheap SigV4 signer (:mod:`grenier.client.sigv4`).
Everything else (listing, multipart, copies, special cases) stays on botocore.

Requests are path-style, keys percent-encoded once as SigV4 wants, unsigned for
anonymous aliases. Failures become the same :class:`ClientError` lines as the botocore
path (:func:`grenier.client.errors.s3_error`); connection errors, 5xx and throttling are
retried ``GRENIER_MAX_ATTEMPTS`` times with jittered backoff, like botocore's "standard"
mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp
from yarl import URL

from grenier.client import tls
from grenier.client.config import Alias
from grenier.client.errors import ClientError, s3_error
from grenier.client.session import max_attempts
from grenier.client.sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, Signer, encode_key

T = TypeVar("T")
_RETRY_STATUS = {500, 502, 503, 504}
_RETRY_CODES = {"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException", "InternalError"}
_CODE_RE = re.compile(rb"<Code>([^<]*)</Code>")
_MESSAGE_RE = re.compile(rb"<Message>([^<]*)</Message>")


class _Retry(Exception):
    """A failure worth another attempt; ``error`` is what to report after the last one."""

    def __init__(self, error: ClientError) -> None:
        super().__init__(str(error))
        self.error = error


class Client:
    """One alias on the bulk path (must be created and used on the runner's loop)."""

    def __init__(self, alias: Alias, workers: int) -> None:
        base = URL(alias.url.rstrip("/"), encoded=True)
        self.alias = alias
        self.origin = f"{base.scheme}://{base.raw_authority}"
        self.prefix = base.raw_path.rstrip("/")
        self.host = base.host_port_subcomponent or ""
        self.signer = (
            None if alias.anonymous else Signer(alias.access_key, alias.secret_key, alias.region)
        )
        self.sign_payload = False
        connect = float(os.environ.get("GRENIER_CONNECT_TIMEOUT", "5"))
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=max(1, workers), keepalive_timeout=30, ssl=tls.ssl_context()
            ),
            timeout=aiohttp.ClientTimeout(sock_connect=connect, sock_read=120),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding", "Content-Type"),
            raise_for_status=False,
        )

    def _headers(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None,
        headers: dict[str, str],
        body: bytes | None,
    ) -> dict[str, str]:
        if self.signer is None:
            return headers
        if body is None:
            payload = EMPTY_SHA256
        elif self.sign_payload:
            import hashlib

            payload = hashlib.sha256(body).hexdigest()
        else:
            payload = UNSIGNED_PAYLOAD
        return self.signer.sign(method, self.host, path, query, headers, payload)

    async def send(
        self,
        method: str,
        bucket: str,
        key: str,
        what: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> aiohttp.ClientResponse:
        """One request; a 2xx response (to be read and released by the caller) or raises."""
        path = f"{self.prefix}/{bucket}/{encode_key(key)}"
        url = self.origin + path
        if query:
            from grenier.client.sigv4 import canonical_query

            url += "?" + canonical_query(query)
        signed = self._headers(method, path, query, dict(headers or {}), body)
        try:
            resp = await self.session.request(
                method, URL(url, encoded=True), headers=signed, data=body, allow_redirects=False
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.transient(exc, what) from exc
        if resp.status < 300:
            return resp
        await self._fail(resp, what, body)
        raise AssertionError("unreachable")

    def transient(self, exc: BaseException, what: str) -> _Retry:
        """A network failure (sending, or reading a body), to be retried."""
        if isinstance(exc, TimeoutError):
            return _Retry(ClientError(f"{what}: endpoint timed out", code="Timeout", fatal=True))
        return _Retry(unreachable(what, self.alias.url))

    async def _fail(self, resp: aiohttp.ClientResponse, what: str, body: bytes | None) -> None:
        try:
            raw = await resp.read() if resp.status != 304 else b""
        except (aiohttp.ClientError, TimeoutError):
            raw = b""
        finally:
            resp.release()
        code_m, msg_m = _CODE_RE.search(raw), _MESSAGE_RE.search(raw)
        code = code_m.group(1).decode(errors="replace") if code_m else ""
        message = msg_m.group(1).decode(errors="replace") if msg_m else ""
        if code == "XAmzContentSHA256Mismatch" or (
            body is not None and "UNSIGNED-PAYLOAD" in message and not self.sign_payload
        ):
            self.sign_payload = True  # this server wants signed payloads: sign from now on
            raise _Retry(ClientError(f"{what}: {code}: {message}", code=code))
        error = s3_error(code, message, resp.status, what)
        if resp.status in _RETRY_STATUS or code in _RETRY_CODES:
            raise _Retry(error)
        raise error

    async def close(self) -> None:
        await self.session.close()


def unreachable(what: str, url: str) -> ClientError:
    return ClientError(f"{what}: cannot reach {url}", code="Unreachable", fatal=True)


async def with_retries(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` up to GRENIER_MAX_ATTEMPTS times while it fails retryably."""
    tries = max_attempts()
    for number in range(1, tries + 1):
        try:
            return await attempt()
        except _Retry as exc:
            if number >= tries:
                raise exc.error from None
            await asyncio.sleep(random.uniform(0, min(2.0, 0.1 * 2**number)))
    raise AssertionError("unreachable")


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works too
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class Runner:
    """An event loop on a background thread, the aliases' clients, a small thread pool
    for the blocking bits (fsync, large reads). One per Engine; :meth:`close` it."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.loop = _new_loop()
        self.clients: dict[str, Client] = {}
        self.pool = ThreadPoolExecutor(max(2, min(workers, 16)), thread_name_prefix="grenier-io")
        self.slots: asyncio.Semaphore | None = None
        self._thread = threading.Thread(target=self._serve, name="grenier-aio", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def client(self, alias: Alias) -> Client:
        """The alias' client (call on the loop)."""
        found = self.clients.get(alias.name)
        if found is None:
            found = self.clients[alias.name] = Client(alias, self.workers)
        return found

    def semaphore(self) -> asyncio.Semaphore:
        if self.slots is None:
            self.slots = asyncio.Semaphore(self.workers)
        return self.slots

    def blocking(self, func: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """``func(*args)`` on the I/O threads (await it; shield it to let it finish)."""
        return self.loop.run_in_executor(self.pool, func, *args)

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in self.clients.values():
            with contextlib.suppress(Exception):
                await client.close()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self.submit(self._shutdown()).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)
        self.pool.shutdown(wait=True, cancel_futures=True)
        if not self._thread.is_alive():
            self.loop.close()
