"""Archive buckets in the server (``--archive NAME=PATH``, docs/archive.md).

* :func:`prepare` (start-up, first process, before any worker): each archive's name must
  be a bucket name and its path a readable directory; the index is made to match
  (``Engine.configure_archives``; archive buckets belong to the default account, whose
  root is the server's); the log says when virtual Zarr is off because the
  ``archive`` extra is not installed (archives are still served as files).
* :func:`install` (every worker): opens the roots, adds the admin routes, and starts the
  scheduler — at start, then every ``--archive-rescan-interval``, it starts the scans
  that are due. A scan runs on a thread; a lock file lets one worker at a time scan a
  given archive, and the index says when the last one started, so N workers make one
  scan per interval.

Admin routes (``/grenier/admin/v1``, SigV4 like S3; root, or a user allowed the MinIO
admin action named):

* ``GET  /archive[?name=NAME]`` (``admin:ServerInfo``) → ``{"archives": [status…]}``;
* ``POST /archive/rescan?name=NAME`` (``admin:Heal``) → the status; its ``requested``
  time is answered by the first scan that starts at or after it (now, or right after
  the one running).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from grenier.engine import Engine, EngineError, valid_bucket_name
from grenier.iam.accounts import DEFAULT_CANONICAL_ID
from grenier.s3.errors import S3Error
from grenier.server.runtime import started_at

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

log = logging.getLogger("grenier.archive")

TICK = 1.0  # seconds between checks for due scans (an index read per archive)
EXTRA_MODULES = ("kerchunk", "h5py", "numcodecs", "scipy")
_tasks: set[asyncio.Task[None]] = set()


def checked_paths(archives: dict[str, str]) -> dict[str, str]:
    """Absolute, resolved paths of the configured archives; SystemExit with one line for
    a bad name or path."""
    out: dict[str, str] = {}
    for name, path in archives.items():
        if not valid_bucket_name(name):
            raise SystemExit(f"grenier: --archive {name}: not a valid bucket name")
        real = os.path.realpath(os.path.expanduser(path))
        if not os.path.isdir(real):
            raise SystemExit(f"grenier: --archive {name}={path}: not a directory")
        if not os.access(real, os.R_OK | os.X_OK):
            raise SystemExit(f"grenier: --archive {name}={path}: not readable by this user")
        out[name] = real
    return out


def missing_extra() -> list[str]:
    """The archive extra's modules that cannot be imported (imported once here, in the
    first process, so that forked workers share them)."""
    missing = []
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def prepare(cfg: ServerConfig, engine: Engine) -> None:
    """Start-up: check the archives, make the index match them."""
    cfg.archives = checked_paths(cfg.archives)
    try:
        notes = engine.configure_archives(cfg.archives, DEFAULT_CANONICAL_ID)
    except EngineError as exc:
        raise SystemExit(f"grenier: --archive: {exc.message or exc.code}") from None
    for note in notes:
        log.warning("%s", note)
    if cfg.archives:
        missing = missing_extra()
        if missing:
            log.warning(
                "archive buckets are served as files only: virtual Zarr needs the 'archive' "
                "extra (missing %s): pip install 'grenier[archive]'",
                ", ".join(missing),
            )


async def scheduler(engine: Engine, interval: float, since: float) -> None:
    while True:
        for name in engine.rescans_due(interval, since):
            engine.start_rescan(name)
        await asyncio.sleep(min(TICK, interval))


def _query(request: web.Request) -> dict[str, str]:
    return dict(parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True))


def _json(status: int, doc: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(doc), content_type="application/json")


class ArchiveAdmin:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def info(self, request: web.Request, body: bytes) -> web.StreamResponse:
        name = _query(request).get("name")
        names = [name] if name else self.engine.archive_names()
        return _json(200, {"archives": [self.engine.archive_status(n).doc() for n in names]})

    async def rescan(self, request: web.Request, body: bytes) -> web.StreamResponse:
        name = _query(request).get("name", "")
        if not name:
            raise S3Error("InvalidArgument", message="missing name parameter")
        status = await self.engine.request_rescan(name)
        return _json(202, status.doc())


def install(service: S3Service, cfg: ServerConfig) -> None:
    if not cfg.archives:
        return
    engine = service.engine
    engine.attach_archives(checked_paths(cfg.archives))
    from grenier.adminapi.admin_routes import AdminRoute

    admin = ArchiveAdmin(engine)
    for hook in service.pre_routes:
        if isinstance(hook, AdminRoute):
            hook.add("GET", "archive", "admin:ServerInfo", admin.info)
            hook.add("POST", "archive/rescan", "admin:Heal", admin.rescan)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop (a test building the service): no schedule
        return
    since = min(started_at(), time.time())
    task = loop.create_task(scheduler(engine, cfg.archive_rescan_interval, since))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
