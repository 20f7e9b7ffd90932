"""A do-nothing S3-shaped HTTP sink: the load generator's own ceiling.

It stores nothing and checks no signature. PUT bodies are counted and dropped; the ETag it
returns and the bytes it serves on GET are rebuilt from the key (``benchmarks.payload``),
so the generator verifies them exactly as it verifies a real server's. Run it as
``python -m benchmarks.sink --port N`` (binds 127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import cast
from urllib.parse import parse_qs, unquote, urlsplit

from benchmarks import payload

INITIATE = (
    '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
    "<Bucket>b</Bucket><Key>{key}</Key><UploadId>sink</UploadId></InitiateMultipartUploadResult>"
)
COMPLETE = (
    '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult>'
    "<Key>{key}</Key><ETag>&quot;{etag}&quot;</ETag></CompleteMultipartUploadResult>"
)


def _head(status: str, headers: dict[str, str | int]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class SinkProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.remaining = 0
        self.request: tuple[str, str] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.request is not None:
                used = min(self.remaining, len(view))
                self.remaining -= used
                view = view[used:]
                if self.remaining == 0:
                    self._respond()
                continue
            self.buf += view
            view = memoryview(b"")
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, rest = bytes(self.buf[:end]), bytes(self.buf[end + 4 :])
            self.buf.clear()
            self._parse(head)
            view = memoryview(rest)
            if self.remaining == 0:
                self._respond()

    def _parse(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        self.request = (method, target)
        self.remaining = length

    def _respond(self) -> None:
        assert self.request is not None and self.transport is not None
        method, target = self.request
        self.request = None
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        key = unquote(parts.path).split("/", 2)[-1]
        size, part_size = payload.size_of_key(key)
        if parts.path == "/health":
            self._send("200 OK", {}, b"ok")
        elif method == "PUT" and "partNumber" in query:
            off, n = payload.part_ranges(size, part_size)[int(query["partNumber"][0]) - 1]
            self._send("200 OK", {"ETag": f'"{payload.range_md5(key, size, off, n).hex()}"'})
        elif method == "PUT":
            self._send("200 OK", {"ETag": f'"{payload.etag(key, size)}"'})
        elif method == "POST" and "uploads" in query:
            self._send("200 OK", {}, INITIATE.format(key=key).encode())
        elif method == "POST":
            etag = payload.multipart_etag(key, size, part_size)
            self._send("200 OK", {}, COMPLETE.format(key=key, etag=etag).encode())
        elif method == "HEAD":
            headers = {"ETag": f'"{payload.etag(key, size)}"', "Content-Length": size}
            self.transport.write(_head("200 OK", headers))
        elif method == "DELETE":
            self.transport.write(_head("204 No Content", {}))
        elif method == "GET" and "list-type" not in query:
            headers = {"ETag": f'"{payload.etag(key, size)}"', "Content-Length": size}
            self.transport.write(_head("200 OK", headers))
            self.transport.writelines(_views(key, size))
        else:
            self._send("501 Not Implemented", {})

    def _send(self, status: str, headers: dict[str, str | int], body: bytes = b"") -> None:
        assert self.transport is not None
        self.transport.write(_head(status, {**headers, "Content-Length": len(body)}) + body)


def _views(key: str, size: int) -> list[memoryview | bytes]:
    """The object's bytes as views of the shared pattern (no copy) plus its tag."""
    body_end = size - min(payload.TAG_SIZE, size)
    views: list[memoryview | bytes] = []
    for pos in range(0, body_end, payload.PATTERN_SIZE):
        n = min(payload.PATTERN_SIZE, body_end - pos)
        start = pos % payload.PATTERN_SIZE
        views.append(_DOUBLE[start : start + n])
    views.append(payload.tag(key, size))
    return views


_DOUBLE = memoryview(payload.DOUBLE)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SinkProtocol, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(serve(args.port))
    except ImportError:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
