"""Helpers for the auth unit tests: AWS's example credentials and botocore signing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from multidict import CIMultiDict, CIMultiDictProxy

from grenier.s3.auth import RequestView

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_NOW = datetime(2013, 5, 24, tzinfo=UTC)
CREDS = Credentials(AK, SK)


def secret_for(access_key: str) -> str | None:
    return SK if access_key == AK else None


def view(
    method: str, target: str, headers: dict[str, str] | Iterable[tuple[str, str]]
) -> RequestView:
    """A RequestView from a raw request target ("/path?query") and headers."""
    path, _, query = target.partition("?")
    items = headers.items() if isinstance(headers, dict) else headers
    return RequestView(method, path, query, CIMultiDictProxy(CIMultiDict(items)))


def from_botocore(request: AWSRequest) -> RequestView:
    """What the server would see for a request prepared and signed by botocore."""
    prepared = request.prepare()
    split = urlsplit(prepared.url)
    headers = [(k, v if isinstance(v, str) else v.decode()) for k, v in prepared.headers.items()]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("host", split.netloc))
    return RequestView(
        prepared.method, split.path, split.query, CIMultiDictProxy(CIMultiDict(headers))
    )


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    """Yield ``data`` in pieces of ``size`` bytes, like aiohttp's iter_any()."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
