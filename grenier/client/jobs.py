"""Turn 'copy this source to that target' into engine Jobs, whatever the two sides are.

local→remote is an upload, remote→local a download (atomic), remote→remote a
server-side copy on one server or a streamed copy between two, local→local a plain
atomic file copy. ``--preserve`` keeps mtime and mode in ``x-amz-meta-mtime`` /
``x-amz-meta-mode`` (rclone uses the same mtime key) and restores them on download.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grenier.client.download import atomic_file, get_file
from grenier.client.objects import head, server_copy, stream_copy
from grenier.client.paths import LocalPath, RemotePath, Target
from grenier.client.session import Session, connect
from grenier.client.transfer import Engine, Job
from grenier.client.upload import put_file

if TYPE_CHECKING:
    from grenier.client.aio import Runner

HEADER_ATTRS = {
    "content-type": "ContentType",
    "cache-control": "CacheControl",
    "content-encoding": "ContentEncoding",
    "content-disposition": "ContentDisposition",
    "content-language": "ContentLanguage",
}


@dataclass
class Options:
    attrs: dict[str, str] = field(default_factory=dict)
    preserve: bool = False
    version_id: str = ""  # of the (remote) source


def upload_extra(path: Path, opts: Options) -> dict[str, Any]:
    """PutObject arguments for a local file: type, --attr headers/metadata, --preserve."""
    extra: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for name, value in opts.attrs.items():
        if name.lower() in HEADER_ATTRS:
            extra[HEADER_ATTRS[name.lower()]] = value
        else:
            meta[name.lower().removeprefix("x-amz-meta-")] = value
    if opts.preserve:
        st = path.stat()
        meta.setdefault("mtime", f"{st.st_mtime:.6f}")
        meta.setdefault("mode", oct(st.st_mode & 0o7777))
    if "ContentType" not in extra:
        extra["ContentType"] = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if meta:
        extra["Metadata"] = meta
    return extra


def copy_extra(opts: Options) -> dict[str, Any]:
    if not opts.attrs:
        return {}
    extra = upload_extra(Path("x"), Options(attrs=opts.attrs))
    if not any(k.lower() == "content-type" for k in opts.attrs):
        extra.pop("ContentType")
    return extra


def restore_attrs(path: Path, metadata: dict[str, str]) -> None:
    if "mtime" in metadata:
        try:
            mtime = float(metadata["mtime"])
            os.utime(path, (mtime, mtime))
        except ValueError:
            pass
    if "mode" in metadata:
        try:
            os.chmod(path, int(metadata["mode"], 8) & 0o7777)
        except ValueError:
            pass


def _download(
    engine: Engine, src: RemotePath, dst: Path, size: int | None, etag: str, opts: Options
) -> str:
    session = connect(src.alias, engine.settings.workers)
    vid = opts.version_id
    result = get_file(engine, session, src.bucket, src.key, dst, size, etag, vid)
    if opts.preserve:
        restore_attrs(dst, head(session, src.bucket, src.key, vid).get("Metadata", {}))
    return result


def _lean_upload(
    engine: Engine, session: Session, path: Path, dst: RemotePath, size: int | None, opts: Options
) -> Callable[[Runner], Awaitable[str]] | None:
    """The upload on the lean path, when it applies (small file, no limit, plain headers)."""
    if (
        not engine.settings.lean
        or size is None
        or size >= engine.settings.threshold
        or engine.settings.limit_upload
    ):
        return None
    from grenier.client import bulk

    headers = bulk.put_headers(upload_extra(path, opts))
    if headers is None:
        return None
    alias = session.alias

    def arun(runner: Runner) -> Awaitable[str]:
        return bulk.put_file(engine, runner, alias, path, dst.bucket, dst.key, headers, size)

    return arun


def _lean_download(
    engine: Engine, src: RemotePath, dst: Path, size: int | None, opts: Options
) -> Callable[[Runner], Awaitable[str]] | None:
    if not engine.settings.lean or size is None or size >= engine.settings.threshold:
        return None
    if engine.settings.limit_download:
        return None
    from grenier.client import bulk

    alias = connect(src.alias, engine.settings.workers).alias

    async def arun(runner: Runner) -> str:
        etag, meta = await bulk.get_file(
            engine, runner, alias, src.bucket, src.key, dst, opts.version_id
        )
        if opts.preserve:
            restore_attrs(dst, meta)
        return etag

    return arun


def _copy_remote(
    engine: Engine, src: RemotePath, dst: RemotePath, size: int | None, etag: str, opts: Options
) -> str:
    s = connect(src.alias, engine.settings.workers)
    d = connect(dst.alias, engine.settings.workers)
    vid = opts.version_id
    if size is None:
        info = head(s, src.bucket, src.key, vid)
        size, etag = int(info["ContentLength"]), str(info.get("ETag", "")).strip('"')
    extra = copy_extra(opts)
    if s.same_server(d):
        return server_copy(
            engine, d, src.bucket, src.key, dst.bucket, dst.key, size, etag, extra, vid
        )
    return stream_copy(engine, s, src.bucket, src.key, d, dst.bucket, dst.key, size, extra, vid)


def _copy_local(engine: Engine, src: Path, dst: Path) -> str:
    with atomic_file(dst) as fd, open(src, "rb") as fh, os.fdopen(os.dup(fd), "wb") as out:
        shutil.copyfileobj(fh, out, 1024 * 1024)
    engine.reporter.advance(src.stat().st_size)
    return ""


def make_job(
    engine: Engine,
    source: Target,
    target: Target,
    size: int | None,
    etag: str = "",
    opts: Options | None = None,
    op: str = "",
) -> Job:
    """One Job copying ``source`` to ``target``; ``size``/``etag`` from a listing spare a HEAD."""
    opts = opts or Options()
    src, dst = source, target
    run: Any
    arun: Callable[[Runner], Awaitable[str]] | None = None
    if isinstance(src, LocalPath) and isinstance(dst, RemotePath):
        session = connect(dst.alias, engine.settings.workers)

        def run() -> str:
            return put_file(
                engine, session, src.path, dst.bucket, dst.key, upload_extra(src.path, opts)
            )

        kind, arun = "upload", _lean_upload(engine, session, src.path, dst, size, opts)
    elif isinstance(src, RemotePath) and isinstance(dst, LocalPath):
        kind, run = "download", lambda: _download(engine, src, dst.path, size, etag, opts)
        arun = _lean_download(engine, src, dst.path, size, opts)
    elif isinstance(src, RemotePath) and isinstance(dst, RemotePath):
        kind, run = "copy", lambda: _copy_remote(engine, src, dst, size, etag, opts)
    else:
        assert isinstance(src, LocalPath) and isinstance(dst, LocalPath)
        kind, run = "copy", lambda: _copy_local(engine, src.path, dst.path)
    return Job(op or kind, str(src), str(dst), size or 0, run, arun)
