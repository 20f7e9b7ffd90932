"""The S3 operations the load generator sends, each verifying its answer.

Each coroutine returns the number of payload bytes moved, or raises ``Mismatch`` when the
server answered something other than what was stored (wrong status, ETag, length or bytes):
a fast wrong answer never counts as an operation.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp

from benchmarks import payload
from benchmarks.sigv4 import Signer, canonical_query

LARGE = 1 << 20  # bodies above this are streamed in 1 MiB pieces
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_ETAG = re.compile(rb"<ETag>([^<]*)</ETag>")
_KEY = re.compile(rb"<Key>([^<]*)</Key>")
_PREFIX = re.compile(rb"<CommonPrefixes>\s*<Prefix>([^<]*)</Prefix>")
_TOKEN = re.compile(rb"<NextContinuationToken>([^<]+)</NextContinuationToken>")
_TRUNCATED = re.compile(rb"<IsTruncated>\s*true\s*</IsTruncated>")


class Mismatch(Exception):
    """The server's answer was wrong (not merely slow)."""


@dataclass
class Client:
    session: aiohttp.ClientSession
    endpoint: str
    host: str
    signer: Signer
    bucket: str

    def path(self, key: str = "") -> str:
        return f"/{self.bucket}/{quote(key, safe='/-_.~')}" if key else f"/{self.bucket}"

    def request(
        self,
        method: str,
        key: str = "",
        query: dict[str, str] | None = None,
        data: object = None,
        length: int | None = None,
    ) -> aiohttp.client._RequestContextManager:
        path = self.path(key)
        headers = self.signer.sign(method, self.host, path, query)
        if length is not None:
            headers["Content-Length"] = str(length)
        url = self.endpoint + path
        if query:
            url += "?" + canonical_query(query)
        return self.session.request(method, aiohttp.client.URL(url, encoded=True),
                                    headers=headers, data=data)  # fmt: skip


async def _stream(key: str, size: int, offset: int, length: int) -> AsyncIterator[bytes]:
    for chunk in payload.chunks(key, size, offset, length):
        yield chunk


def _body(key: str, size: int, offset: int = 0, length: int | None = None) -> object:
    length = size - offset if length is None else length
    if length <= LARGE:
        return payload.expected(key, size, offset, length)
    return _stream(key, size, offset, length)


def _check(resp: aiohttp.ClientResponse, want: tuple[int, ...], what: str) -> None:
    if resp.status not in want:
        raise Mismatch(f"{what}: HTTP {resp.status}")


def _etag(resp: aiohttp.ClientResponse) -> str:
    return resp.headers.get("ETag", "").strip('"')


async def put(c: Client, key: str, size: int) -> int:
    async with c.request("PUT", key, data=_body(key, size), length=size) as resp:
        body = await resp.read()
        _check(resp, (200,), f"PUT {key} {body[:200]!r}")
        if _etag(resp) != payload.etag(key, size):
            raise Mismatch(f"PUT {key}: ETag {_etag(resp)!r}")
    return size


async def get(c: Client, key: str, size: int) -> int:
    async with c.request("GET", key) as resp:
        _check(resp, (200,), f"GET {key}")
        if size <= LARGE:
            got = await resp.read()
            if got != payload.small_body(key, size):
                raise Mismatch(f"GET {key}: {len(got)} bytes differ from what was PUT")
            return size
        offset = 0
        async for chunk in resp.content.iter_any():
            if offset + len(chunk) > size or chunk != payload.expected(
                key, size, offset, len(chunk)
            ):
                raise Mismatch(f"GET {key}: bytes differ at offset >= {offset}")
            offset += len(chunk)
        if offset != size:
            raise Mismatch(f"GET {key}: {offset} bytes, expected {size}")
    return size


async def head(c: Client, key: str, size: int) -> int:
    async with c.request("HEAD", key) as resp:
        _check(resp, (200,), f"HEAD {key}")
        if int(resp.headers.get("Content-Length", -1)) != size:
            raise Mismatch(f"HEAD {key}: Content-Length {resp.headers.get('Content-Length')}")
        if _etag(resp) != payload.etag(key, size):
            raise Mismatch(f"HEAD {key}: ETag {_etag(resp)!r}")
    return 0


async def delete(c: Client, key: str, size: int) -> int:
    async with c.request("DELETE", key) as resp:
        await resp.read()
        _check(resp, (200, 204), f"DELETE {key}")
    return 0


async def multipart(c: Client, key: str, size: int, part_size: int) -> int:
    async with c.request("POST", key, {"uploads": ""}) as resp:
        body = await resp.read()
        _check(resp, (200,), f"CreateMultipartUpload {key}")
    found = _UPLOAD_ID.search(body)
    if not found:
        raise Mismatch(f"CreateMultipartUpload {key}: no UploadId")
    upload_id = found.group(1).decode()
    want = payload.part_etags(key, size, part_size)
    xml = ["<CompleteMultipartUpload>"]
    for number, (off, n) in enumerate(payload.part_ranges(size, part_size), start=1):
        query = {"partNumber": str(number), "uploadId": upload_id}
        async with c.request("PUT", key, query, _body(key, size, off, n), n) as resp:
            await resp.read()
            _check(resp, (200,), f"UploadPart {key} #{number}")
            if _etag(resp) != want[number - 1]:
                raise Mismatch(f"UploadPart {key} #{number}: ETag {_etag(resp)!r}")
        xml.append(f"<Part><PartNumber>{number}</PartNumber><ETag>{want[number - 1]}</ETag></Part>")
    xml.append("</CompleteMultipartUpload>")
    doc = "".join(xml).encode()
    async with c.request("POST", key, {"uploadId": upload_id}, doc, len(doc)) as resp:
        body = await resp.read()
        _check(resp, (200,), f"CompleteMultipartUpload {key}")
    found = _ETAG.search(body)
    etag = html.unescape(found.group(1).decode()).strip('"') if found else ""
    if b"<Error>" in body or etag != payload.multipart_etag(key, size, part_size):
        raise Mismatch(f"CompleteMultipartUpload {key}: {body[:600]!r}")
    return size


async def create_bucket(c: Client) -> None:
    async with c.request("PUT") as resp:
        body = await resp.read()
        if resp.status != 200 and b"BucketAlreadyOwnedByYou" not in body:
            raise Mismatch(f"CreateBucket {c.bucket}: HTTP {resp.status} {body[:200]!r}")


@dataclass
class Page:
    keys: list[bytes]
    prefixes: list[bytes]
    token: str
    size: int


async def list_page(c: Client, prefix: str, delimiter: str, token: str, max_keys: int) -> Page:
    query = {"list-type": "2", "max-keys": str(max_keys), "prefix": prefix}
    if delimiter:
        query["delimiter"] = delimiter
    if token:
        query["continuation-token"] = token
    async with c.request("GET", "", query) as resp:
        body = await resp.read()
        _check(resp, (200,), f"ListObjectsV2 {prefix!r} {body[:200]!r}")
    found = _TOKEN.search(body)
    next_token = found.group(1).decode() if found and _TRUNCATED.search(body) else ""
    return Page(_KEY.findall(body), _PREFIX.findall(body), next_token, len(body))
