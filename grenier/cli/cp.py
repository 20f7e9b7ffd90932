"""`grenier cp` and `grenier mv`: copy (or move) files and objects in any direction."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from grenier.cli.base import finish
from grenier.cli.output import get_output, output_options
from grenier.cli.transfers import make_settings, parse_attrs, run_jobs, summary, transfer_options
from grenier.client.errors import ClientError, errors
from grenier.client.jobs import Options, make_job
from grenier.client.paths import LocalPath, RemotePath, Target, parse, parse_any
from grenier.client.plan import Item, plan_copy, same_path
from grenier.client.session import connect
from grenier.client.transfer import Engine, Job

if TYPE_CHECKING:
    from grenier.client.aio import Runner


def _plan(
    sources: tuple[str, ...], target: str, recursive: bool, version_id: str = ""
) -> list[Item]:
    srcs = [parse_any(s) for s in sources]
    dest = parse(target)
    items = list(plan_copy(srcs, dest, recursive=recursive, version_id=version_id))
    for item in items:
        if same_path(item.source, item.target):
            raise ClientError(f"{item.source}: source and target are the same", code="SamePath")
    return items


def _transfer(
    sources: tuple[str, ...],
    target: str,
    recursive: bool,
    preserve: bool,
    attr: tuple[str, ...],
    workers: int | None,
    limit_upload: str | None,
    limit_download: str | None,
    verb: str,
    move: bool = False,
    version_id: str = "",
) -> None:
    out = get_output()
    opts = Options(attrs=parse_attrs(attr), preserve=preserve, version_id=version_id)
    settings = make_settings(workers, limit_upload, limit_download)
    items = _plan(sources, target, recursive, version_id)

    def build(engine: Engine) -> list[Job]:
        jobs = [make_job(engine, i.source, i.target, i.size, i.etag, opts) for i in items]
        if move:
            jobs = [_then_remove(job, item.source) for job, item in zip(jobs, items, strict=True)]
        return jobs

    total = sum(i.size or 0 for i in items)
    ok, done, counter = run_jobs(settings, build, total, len(items), verb.lower())
    summary(out, counter, done, verb)
    finish(ok)


def _then_remove(job: Job, source: Target) -> Job:
    """The same job, deleting its source once the copy succeeded (mv)."""
    copy = job.run

    def run() -> str | None:
        etag = copy()
        with errors(f"remove {source}"):
            if isinstance(source, LocalPath):
                os.unlink(source.path)
            else:
                assert isinstance(source, RemotePath)
                connect(source.alias).s3.delete_object(Bucket=source.bucket, Key=source.key)
        return etag

    arun = None
    if job.arun is not None and isinstance(source, LocalPath):
        lean = job.arun

        async def arun(runner: Runner) -> str | None:
            etag = await lean(runner)
            with errors(f"remove {source}"):
                os.unlink(source.path)
            return etag

    return Job("move", job.source, job.target, job.size, run, arun)


def _common(func: Callable[..., None]) -> Callable[..., None]:
    func = output_options(transfer_options(func))
    func = click.option(
        "--attr",
        multiple=True,
        metavar="K=V[;K=V]",
        help="Metadata or headers (Content-Type, Cache-Control…) to set.",
    )(func)
    func = click.option(
        "-a",
        "--preserve",
        is_flag=True,
        help="Keep mtime and mode (stored as x-amz-meta-mtime/mode).",
    )(func)
    func = click.option("-r", "--recursive", is_flag=True, help="Copy folders recursively.")(func)
    func = click.argument("target")(func)
    return click.argument("sources", nargs=-1, required=True)(func)


@click.command("cp")
@_common
@click.option(
    "--version-id", "--vid", default="", help="Copy this version of the (remote) source object."
)
def cp(
    sources: tuple[str, ...],
    target: str,
    recursive: bool,
    preserve: bool,
    attr: tuple[str, ...],
    workers: int | None,
    limit_upload: str | None,
    limit_download: str | None,
    version_id: str,
) -> None:
    """Copy files/objects: local→remote, remote→local (atomic), remote→remote
    (server-side on one server). SOURCE/ copies a folder's contents, SOURCE the folder."""
    _transfer(
        sources,
        target,
        recursive,
        preserve,
        attr,
        workers,
        limit_upload,
        limit_download,
        "Copied",
        version_id=version_id,
    )


@click.command("mv")
@_common
def mv(
    sources: tuple[str, ...],
    target: str,
    recursive: bool,
    preserve: bool,
    attr: tuple[str, ...],
    workers: int | None,
    limit_upload: str | None,
    limit_download: str | None,
) -> None:
    """Move files/objects: copy, then delete each source once its copy succeeded."""
    _transfer(
        sources,
        target,
        recursive,
        preserve,
        attr,
        workers,
        limit_upload,
        limit_download,
        "Moved",
        move=True,
    )
