"""A Grenier server with its web console on a free loopback port, and an HTTP client."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.servers import GrenierServer, free_port, wait_http


@dataclass
class Console:
    server: GrenierServer
    url: str

    def s3(self):  # noqa: ANN201 - botocore client
        return self.server.client()


def start_console(data_dir: Path, env: dict[str, str] | None = None) -> Console:
    port = free_port()
    server = GrenierServer.start(data_dir, "--console-address", f"127.0.0.1:{port}", env=env)
    url = f"http://127.0.0.1:{port}"
    assert server.proc is not None
    wait_http(url + "/", server.proc)
    return Console(server, url)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    found = start_console(tmp_path_factory.mktemp("console") / "data")
    yield found
    found.server.stop()


@pytest.fixture
def bucket_name() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


async def login(
    http: aiohttp.ClientSession, url: str, access_key: str, secret_key: str
) -> aiohttp.ClientResponse:
    async with http.get(url + "/") as page:
        token = csrf_of(await page.text())
    return await http.post(
        url + "/login",
        data={"accessKey": access_key, "secretKey": secret_key, "csrf": token},
        allow_redirects=False,
    )


def client() -> aiohttp.ClientSession:
    """A browser-like client: keeps cookies (of an IP host too), never follows redirects."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


@asynccontextmanager
async def logged_in(
    console: Console, access_key: str = "", secret_key: str = ""
) -> AsyncIterator[aiohttp.ClientSession]:
    async with client() as http:
        resp = await login(
            http,
            console.url,
            access_key or console.server.access_key,
            secret_key or console.server.secret_key,
        )
        assert resp.status == 303, await resp.text()
        yield http


async def page_csrf(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        return csrf_of(await resp.text())
