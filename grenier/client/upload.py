"""Uploads: a file or a stream into an object, with MD5 integrity checks.

Small bodies go in one PutObject with ``Content-MD5`` (the server rejects corrupted
bytes) and the returned ETag is compared with the local MD5. Large ones use multipart:
each part is sent with its ``Content-MD5`` and the final ETag is checked against the
multipart form ``md5(concat(part md5s))-N``. Any failure aborts the multipart upload, so
no half-object is left behind.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from grenier.client.errors import ClientError
from grenier.client.session import Session
from grenier.client.transfer import Engine

_MD5_RE = re.compile(r"^[0-9a-f]{32}$")
_MULTI_RE = re.compile(r"^[0-9a-f]{32}-\d+$")


def clean_etag(raw: str | None) -> str:
    return (raw or "").strip('"').lower()


def verify_etag(etag: str, expected: str, what: str) -> None:
    """Compare a server ETag with the locally computed one when both are MD5-shaped."""
    comparable = _MD5_RE.match(etag) or _MULTI_RE.match(etag)
    if comparable and etag != expected:
        raise ClientError(
            f"{what}: checksum mismatch (server ETag {etag}, local MD5 {expected})",
            code="BadDigest",
        )


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def put_bytes(
    engine: Engine, session: Session, bucket: str, key: str, data: bytes, extra: dict[str, Any]
) -> str:
    """One PutObject; returns the verified ETag."""
    engine.up.take(len(data))
    md5 = hashlib.md5(data)
    resp = session.s3.put_object(
        Bucket=bucket, Key=key, Body=data, ContentMD5=_b64(md5.digest()), **extra
    )
    etag = clean_etag(resp.get("ETag"))
    verify_etag(etag, md5.hexdigest(), f"{session.name}/{bucket}/{key}")
    engine.reporter.advance(len(data))
    return etag


class Multipart:
    """One multipart upload: parts sent on the engine's part pool, aborted on failure."""

    def __init__(
        self, engine: Engine, session: Session, bucket: str, key: str, extra: dict[str, Any]
    ) -> None:
        self.engine, self.session, self.bucket, self.key = engine, session, bucket, key
        resp = session.s3.create_multipart_upload(Bucket=bucket, Key=key, **extra)
        self.upload_id: str = resp["UploadId"]
        self.futures: list[Future[tuple[int, bytes]]] = []

    @property
    def what(self) -> str:
        return f"{self.session.name}/{self.bucket}/{self.key}"

    def _send(self, number: int, read: Callable[[], bytes]) -> tuple[int, bytes]:
        self.engine.check()
        data = read()
        self.engine.up.take(len(data))
        md5 = hashlib.md5(data)
        resp = self.session.s3.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
            ContentMD5=_b64(md5.digest()),
        )
        verify_etag(clean_etag(resp.get("ETag")), md5.hexdigest(), f"{self.what} part {number}")
        self.engine.reporter.advance(len(data))
        return number, md5.digest()

    def submit(self, number: int, read: Callable[[], bytes]) -> Future[tuple[int, bytes]]:
        fut = self.engine.parts.submit(self._send, number, read)
        self.futures.append(fut)
        return fut

    def complete(self) -> str:
        done = sorted(f.result() for f in self.futures)
        parts = [{"PartNumber": n, "ETag": f'"{d.hex()}"'} for n, d in done]
        resp = self.session.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": parts},
        )
        expected = hashlib.md5(b"".join(d for _, d in done)).hexdigest() + f"-{len(done)}"
        etag = clean_etag(resp.get("ETag"))
        verify_etag(etag, expected, self.what)
        return etag

    def abort(self) -> None:
        for fut in self.futures:
            fut.cancel()
        for fut in self.futures:
            if not fut.cancelled():
                try:
                    fut.exception()
                except BaseException:
                    pass
        try:
            self.session.s3.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )
        except Exception:
            pass


def _with_abort(mpu: Multipart, body: Callable[[], None]) -> str:
    try:
        body()
        return mpu.complete()
    except BaseException:
        mpu.abort()
        raise


def put_file(
    engine: Engine, session: Session, path: Path, bucket: str, key: str, extra: dict[str, Any]
) -> str:
    """Upload a local file (multipart above the engine's threshold)."""
    size = path.stat().st_size
    if size < engine.settings.threshold:
        return put_bytes(engine, session, bucket, key, path.read_bytes(), extra)
    part = engine.settings.part_size_for(size)
    mpu = Multipart(engine, session, bucket, key, extra)
    fd = os.open(path, os.O_RDONLY)
    try:

        def send_all() -> None:
            for number, offset in enumerate(range(0, size, part), start=1):
                length = min(part, size - offset)
                mpu.submit(number, partial(os.pread, fd, length, offset))

        return _with_abort(mpu, send_all)
    finally:
        os.close(fd)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    chunks, total = [], 0
    while total < size:
        chunk = stream.read(size - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def put_stream(
    engine: Engine,
    session: Session,
    stream: BinaryIO,
    bucket: str,
    key: str,
    extra: dict[str, Any],
) -> str:
    """Upload a stream of unknown length (stdin): one PUT if it fits in a part, else
    multipart with at most ``workers`` parts in memory."""
    part = max(engine.settings.part_size, 5 * 1024 * 1024)
    first = _read_full(stream, part)
    if len(first) < part:
        return put_bytes(engine, session, bucket, key, first, extra)
    mpu = Multipart(engine, session, bucket, key, extra)
    slots = threading.BoundedSemaphore(engine.settings.workers)

    def send_all() -> None:
        data, number = first, 1
        while data:
            slots.acquire()
            fut = mpu.submit(number, partial(bytes, data))
            fut.add_done_callback(lambda _f: slots.release())
            data, number = _read_full(stream, part), number + 1
            engine.check()

    return _with_abort(mpu, send_all)
