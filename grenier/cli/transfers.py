"""Shared plumbing of the transfer commands (cp, mv, mirror): options, engine, reporting."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from grenier.cli.output import Output, get_output
from grenier.cli.progress import Counter, progress
from grenier.client.errors import ClientError
from grenier.client.session import default_workers
from grenier.client.transfer import Engine, Job, Result, Settings
from grenier.client.units import parse_size

F = TypeVar("F", bound=Callable[..., Any])


def transfer_options(func: F) -> F:
    """--workers, --limit-upload, --limit-download."""
    func = click.option(
        "--limit-download",
        default=None,
        metavar="RATE",
        help="Cap download speed, e.g. 10MiB (per second).",
    )(func)
    func = click.option(
        "--limit-upload",
        default=None,
        metavar="RATE",
        help="Cap upload speed, e.g. 10MiB (per second).",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(1, 256),
        default=None,
        help=f"Parallel transfers [default: $GRENIER_WORKERS or {default_workers()}].",
    )(func)
    return func


def parse_attrs(values: tuple[str, ...]) -> dict[str, str]:
    """mc's ``--attr "k1=v1;k2=v2"`` (the option may also be repeated)."""
    attrs: dict[str, str] = {}
    for value in values:
        for pair in filter(None, (p.strip() for p in value.split(";"))):
            name, sep, val = pair.partition("=")
            if not sep or not name.strip():
                raise ClientError(f"invalid --attr {pair!r}: expected KEY=VALUE", code="BadAttr")
            attrs[name.strip()] = val.strip()
    return attrs


def make_settings(
    workers: int | None, limit_upload: str | None, limit_download: str | None
) -> Settings:
    settings = Settings()
    if workers:
        settings.workers = workers
    settings.limit_upload = parse_size(limit_upload) if limit_upload else 0
    settings.limit_download = parse_size(limit_download) if limit_download else 0
    return settings


def report(out: Output, counter: Counter, result: Result) -> None:
    job = result.job
    counter.file_done()
    if result.error is not None:
        out.error(result.error)
        return
    data = {
        "op": job.op,
        "source": job.source,
        "target": job.target,
        "size": job.size,
        "etag": result.etag,
    }
    text = None if out.fancy else f"`{job.source}` -> `{job.target}`"
    out.record(data, text)


def run_jobs(
    settings: Settings,
    build: Callable[[Engine], Iterable[Job]],
    total_bytes: int | None,
    total_files: int | None,
    label: str,
    after: Callable[[Result], None] | None = None,
) -> tuple[bool, int, Counter]:
    """Run jobs with a progress bar; returns (all ok, files done, counter)."""
    out = get_output()
    done = 0
    settings.choose_path(total_files)
    with progress(out, total_bytes, total_files, label) as counter:
        engine = Engine(settings, counter)
        with engine:

            def on_result(result: Result) -> None:
                nonlocal done
                report(out, counter, result)
                if result.ok:
                    done += 1
                    if after is not None:
                        after(result)

            ok = engine.run(build(engine), on_result)
    return ok, done, counter


def summary(out: Output, counter: Counter, files: int, verb: str = "Transferred") -> None:
    out.record({"op": "summary", **counter.summary(files)}, counter.summary_text(files, verb))
