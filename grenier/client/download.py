"""Downloads: an object into a local file, never leaving a half-written file behind.

Bytes go to a hidden temporary file next to the target (``.NAME.XXXX.grenier-part``);
only when the whole body arrived and matched its size and MD5 ETag is it renamed over the
target. Any failure or interruption deletes the temporary file. Large objects are fetched
as parallel byte ranges pinned to one ETag (``If-Match``), so a concurrent overwrite on
the server fails the download instead of mixing two versions.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from grenier.client.errors import ClientError
from grenier.client.session import Session
from grenier.client.transfer import MIB, Engine
from grenier.client.upload import _MD5_RE, clean_etag

CHUNK = MIB
TMP_SUFFIX = ".grenier-part"


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[int]:
    """A file descriptor on a temporary sibling of ``target``, renamed on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        yield fd
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _stream_into(engine: Engine, body: Any, fd: int, offset: int, md5: Any) -> int:
    total = 0
    for chunk in body.iter_chunks(CHUNK):
        engine.down.take(len(chunk))
        _write_all(fd, chunk, offset + total)
        if md5 is not None:
            md5.update(chunk)
        total += len(chunk)
        engine.reporter.advance(len(chunk))
    return total


def _check(what: str, got: int, expected: int, md5: Any, etag: str) -> None:
    if got != expected:
        raise ClientError(f"{what}: short read ({got} of {expected} bytes)", code="IncompleteBody")
    if md5 is not None and _MD5_RE.match(etag) and md5.hexdigest() != etag:
        raise ClientError(f"{what}: checksum mismatch (ETag {etag})", code="BadDigest")


def _get_whole(
    engine: Engine, session: Session, bucket: str, key: str, fd: int, extra: dict[str, Any]
) -> dict[str, Any]:
    resp = session.s3.get_object(Bucket=bucket, Key=key, **extra)
    md5 = hashlib.md5()
    got = _stream_into(engine, resp["Body"], fd, 0, md5)
    etag = clean_etag(resp.get("ETag"))
    _check(f"{session.name}/{bucket}/{key}", got, int(resp["ContentLength"]), md5, etag)
    return resp


def _get_range(
    engine: Engine,
    session: Session,
    bucket: str,
    key: str,
    fd: int,
    start: int,
    end: int,
    etag: str,
) -> None:
    engine.check()
    resp = session.s3.get_object(
        Bucket=bucket, Key=key, Range=f"bytes={start}-{end}", IfMatch=f'"{etag}"'
    )
    got = _stream_into(engine, resp["Body"], fd, start, None)
    _check(f"{session.name}/{bucket}/{key} bytes {start}-{end}", got, end - start + 1, None, "")


def _hash_file(fd: int, size: int) -> str:
    md5 = hashlib.md5()
    for offset in range(0, size, 8 * CHUNK):
        md5.update(os.pread(fd, 8 * CHUNK, offset))
    return md5.hexdigest()


def _get_ranges(
    engine: Engine, session: Session, bucket: str, key: str, fd: int, size: int, etag: str
) -> None:
    part = engine.settings.part_size_for(size)
    os.ftruncate(fd, size)
    futures: list[Future[None]] = [
        engine.parts.submit(
            _get_range, engine, session, bucket, key, fd, start, min(start + part, size) - 1, etag
        )
        for start in range(0, size, part)
    ]
    try:
        for fut in futures:
            fut.result()
    except BaseException:
        for fut in futures:
            fut.cancel()
        for fut in futures:
            if not fut.cancelled():
                with contextlib.suppress(BaseException):
                    fut.exception()
        raise
    if _MD5_RE.match(etag) and _hash_file(fd, size) != etag:
        raise ClientError(f"{session.name}/{bucket}/{key}: checksum mismatch", code="BadDigest")


def get_file(
    engine: Engine,
    session: Session,
    bucket: str,
    key: str,
    target: Path,
    size: int | None = None,
    etag: str = "",
    version_id: str = "",
) -> str:
    """Download one object to ``target`` atomically; returns its ETag."""
    if size is None or (not etag and size >= engine.settings.threshold):
        head = session.s3.head_object(Bucket=bucket, Key=key)
        size, etag = int(head["ContentLength"]), clean_etag(head.get("ETag"))
    with atomic_file(target) as fd:
        if size >= engine.settings.threshold and etag and not version_id:
            _get_ranges(engine, session, bucket, key, fd, size, etag)
        else:
            extra = {"VersionId": version_id} if version_id else {}
            etag = clean_etag(_get_whole(engine, session, bucket, key, fd, extra).get("ETag"))
    return etag


def read_range(session: Session, bucket: str, key: str, start: int, end: int | None) -> Any:
    """The streaming body of ``bytes=start-end`` (``end`` None = to the end)."""
    rng = f"bytes={start}-" + ("" if end is None else str(end))
    return session.s3.get_object(Bucket=bucket, Key=key, Range=rng)["Body"]
