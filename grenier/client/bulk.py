"""Small uploads and downloads on the lean path (:mod:`grenier.client.aio`).

Same contract as :mod:`grenier.client.upload` / :mod:`grenier.client.download`: a PUT
carries ``Content-MD5`` and its returned ETag is compared with the local MD5; a GET
writes a hidden ``.NAME.XXXX.grenier-part`` file, checks size and MD5 ETag, fsyncs and
renames it, and leaves nothing behind when it fails or is cancelled. Only objects below
the multipart threshold come here, and only when no bandwidth limit applies.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grenier.client.config import Alias
from grenier.client.errors import ClientError
from grenier.client.upload import _MD5_RE, clean_etag, verify_etag

if TYPE_CHECKING:
    from grenier.client.aio import Runner
    from grenier.client.transfer import Engine

CHUNK = 1024 * 1024
IN_MEMORY = 1024 * 1024  # bodies up to this size are received whole, then written
TMP_SUFFIX = ".grenier-part"
INLINE_READ = 256 * 1024  # read smaller files on the loop; larger ones on a thread
_HEADERS = {
    "ContentType": "Content-Type",
    "CacheControl": "Cache-Control",
    "ContentEncoding": "Content-Encoding",
    "ContentDisposition": "Content-Disposition",
    "ContentLanguage": "Content-Language",
}


def put_headers(extra: dict[str, Any]) -> dict[str, str] | None:
    """PutObject arguments as HTTP headers; None when the lean path cannot send them
    (an unknown argument, or a value that is not plain ASCII)."""
    headers: dict[str, str] = {}
    for name, value in extra.items():
        if name == "Metadata":
            for meta, text in value.items():
                headers[f"x-amz-meta-{meta}"] = str(text)
        elif name in _HEADERS:
            headers[_HEADERS[name]] = str(value)
        else:
            return None
    if not all(v.isascii() and v.isprintable() for v in headers.values()):
        return None
    return headers


def _read_md5(path: Path) -> tuple[bytes, Any]:
    data = path.read_bytes()
    return data, hashlib.md5(data)


async def put_file(
    engine: Engine,
    runner: Runner,
    alias: Alias,
    path: Path,
    bucket: str,
    key: str,
    headers: dict[str, str],
    size: int,
) -> str:
    """One PUT of a small local file; returns the verified ETag."""
    from grenier.client.aio import with_retries

    if size <= INLINE_READ:
        data, md5 = _read_md5(path)
    else:
        data, md5 = await runner.blocking(_read_md5, path)
    client = runner.client(alias)
    what = f"upload {path}"
    sent = dict(headers)
    sent["Content-MD5"] = base64.b64encode(md5.digest()).decode()

    async def attempt() -> str:
        resp = await client.send("PUT", bucket, key, what, headers=sent, body=data)
        etag = clean_etag(resp.headers.get("ETag"))
        resp.release()
        return etag

    etag = await with_retries(attempt)
    verify_etag(etag, md5.hexdigest(), f"{alias.name}/{bucket}/{key}")
    engine.reporter.advance(len(data))
    return etag


def _finish(fd: int, tmp: str, target: Path, mode: int) -> None:
    """fsync, close and rename a finished temporary file (owns ``fd`` and ``tmp``)."""
    try:
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_new(target: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temporary sibling of ``target``, fsync, rename (one thread hop
    for a small body: creating files costs more CPU than receiving them)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _finish(fd, tmp, target, mode)


class _Download:
    """State of one streamed GET into a temporary file (one per attempt)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent
        )
        self.fd = fd

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)


def _check(name: str, got: int, expected: int | None, md5: Any, etag: str) -> None:
    if expected is not None and got != expected:
        raise ClientError(f"{name}: short read ({got} of {expected} bytes)", code="IncompleteBody")
    if _MD5_RE.match(etag) and md5.hexdigest() != etag:
        raise ClientError(f"{name}: checksum mismatch (ETag {etag})", code="BadDigest")


async def _stream(
    engine: Engine,
    runner: Runner,
    resp: Any,
    name: str,
    target: Path,
    mode: int,
    etag: str,
) -> None:
    """A body too large to hold: written as it arrives into a temporary file."""
    part = _Download(target)  # on the loop: a cancelled thread hop could leak the file
    try:
        md5, got = hashlib.md5(), 0
        async for chunk in resp.content.iter_chunked(CHUNK):
            _write_all(part.fd, chunk)
            md5.update(chunk)
            got += len(chunk)
            engine.reporter.advance(len(chunk))
        _check(name, got, resp.content_length, md5, etag)
        # _finish owns the descriptor and the temporary file now, even if we are cancelled
        (fd, tmp), part.fd, part.tmp = (part.fd, part.tmp), -1, ""
        await asyncio.shield(runner.blocking(_finish, fd, tmp, target, mode))
    except BaseException:
        part.discard()
        raise


_UMASK: list[int] = []


def _file_mode() -> int:
    if not _UMASK:
        mask = os.umask(0)
        os.umask(mask)
        _UMASK.append(mask)
    return 0o666 & ~_UMASK[0]


async def get_file(
    engine: Engine,
    runner: Runner,
    alias: Alias,
    bucket: str,
    key: str,
    target: Path,
    version_id: str = "",
) -> tuple[str, dict[str, str]]:
    """Download one small object to ``target`` atomically; (ETag, user metadata)."""
    from grenier.client.aio import with_retries

    client = runner.client(alias)
    name = f"{alias.name}/{bucket}/{key}"
    what = f"download {name}"
    query = {"versionId": version_id} if version_id else None
    mode = _file_mode()

    async def receive(resp: Any) -> tuple[str, dict[str, str]]:
        etag = clean_etag(resp.headers.get("ETag"))
        meta = {
            k[len("x-amz-meta-") :].lower(): v
            for k, v in resp.headers.items()
            if k.lower().startswith("x-amz-meta-")
        }
        expected = resp.content_length
        if expected is not None and expected <= IN_MEMORY:
            data = await resp.read()
            md5 = hashlib.md5(data)
            _check(name, len(data), expected, md5, etag)
            engine.reporter.advance(len(data))
            await asyncio.shield(runner.blocking(_write_new, target, data, mode))
        else:
            await _stream(engine, runner, resp, name, target, mode, etag)
        return etag, meta

    async def attempt() -> tuple[str, dict[str, str]]:
        import aiohttp

        resp = await client.send("GET", bucket, key, what, query=query)
        try:
            return await receive(resp)
        except (aiohttp.ClientError, TimeoutError) as exc:  # the body broke off: retry
            raise client.transient(exc, what) from exc
        finally:
            resp.release()

    return await with_retries(attempt)
