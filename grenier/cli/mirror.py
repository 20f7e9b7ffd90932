"""`grenier mirror` (make TARGET match SOURCE) and `grenier diff` (show how they differ)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial

import click

from grenier.cli.base import finish
from grenier.cli.output import get_output, output_options
from grenier.cli.transfers import make_settings, run_jobs, summary, transfer_options
from grenier.client.compare import (
    ONLY_FIRST,
    ONLY_SECOND,
    Filters,
    MirrorPlan,
    compare,
    plan_mirror,
)
from grenier.client.errors import ClientError, errors
from grenier.client.jobs import Options, make_job
from grenier.client.listing import Entry
from grenier.client.objects import batches, delete_batch
from grenier.client.paths import LocalPath, RemotePath, Target, parse, parse_any
from grenier.client.session import connect
from grenier.client.transfer import Engine, Job
from grenier.client.tree import child, walk
from grenier.client.units import parse_duration


def _removals(target: Target, entries: list[Entry]) -> Iterator[Job]:
    if isinstance(target, LocalPath):
        for e in entries:
            path = child(target, e.key)
            assert isinstance(path, LocalPath)
            yield Job("remove", str(path), "", 0, partial(os.unlink, path.path))
        return
    session = connect(target.alias)
    for batch in batches({"Key": str(child(target, e.key)).split("/", 2)[2]} for e in entries):
        yield Job(
            "remove",
            f"{target} ({len(batch)} objects)",
            "",
            0,
            partial(delete_batch, session, target.bucket, batch),
        )


def _jobs(
    engine: Engine, plan: MirrorPlan, source: Target, target: Target, opts: Options
) -> Iterator[Job]:
    for entry in plan.copy + plan.overwrite:
        yield make_job(
            engine, child(source, entry.key), child(target, entry.key), entry.size, entry.etag, opts
        )
    yield from _removals(target, plan.remove)


def _dry_run(plan: MirrorPlan, source: Target, target: Target) -> None:
    out = get_output()
    for op, entries in (
        ("copy", plan.copy),
        ("overwrite", plan.overwrite),
        ("remove", plan.remove),
    ):
        for e in entries:
            src = str(child(source, e.key)) if op != "remove" else ""
            dst = str(child(target, e.key))
            text = f"Would {op} `{src}` -> `{dst}`" if src else f"Would remove `{dst}`"
            out.record(
                {"op": op, "source": src, "target": dst, "size": e.size, "dryRun": True}, text
            )


@click.command("mirror")
@click.argument("source")
@click.argument("target")
@click.option(
    "--overwrite", is_flag=True, help="Overwrite target objects that differ from the source."
)
@click.option("--remove", is_flag=True, help="Remove target objects missing from the source.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip keys or names matching GLOB (repeatable).",
)
@click.option("--newer-than", help="Only source objects modified within DURATION (e.g. 7d).")
@click.option("--older-than", help="Only source objects modified more than DURATION ago.")
@click.option("--dry-run", is_flag=True, help="Show what would be done, do nothing.")
@click.option("-a", "--preserve", is_flag=True, help="Keep mtime and mode (as with cp -a).")
@transfer_options
@output_options
def mirror(
    source: str,
    target: str,
    overwrite: bool,
    remove: bool,
    exclude: tuple[str, ...],
    newer_than: str | None,
    older_than: str | None,
    dry_run: bool,
    preserve: bool,
    workers: int | None,
    limit_upload: str | None,
    limit_download: str | None,
) -> None:
    """Copy what is new in SOURCE's folder into TARGET (contents, not the folder itself)."""
    out = get_output()
    src, dst = parse_any(source), parse(target)
    if isinstance(src, LocalPath) and not src.path.is_dir():
        raise ClientError(f"{source}: not a folder", code="NotADirectory")
    filters = Filters(
        exclude=list(exclude),
        newer_than=parse_duration(newer_than) if newer_than else None,
        older_than=parse_duration(older_than) if older_than else None,
    )
    plan = plan_mirror(walk(src), walk(dst), filters, overwrite=overwrite, remove=remove)
    for entry in plan.conflicts:
        out.error(
            ClientError(
                f"{child(dst, entry.key)}: differs from the source, not overwritten (use --overwrite)",
                code="Conflict",
            )
        )
    if dry_run:
        _dry_run(plan, src, dst)
        finish(True)
        return
    settings = make_settings(workers, limit_upload, limit_download)
    items = plan.copy + plan.overwrite
    total = sum(e.size for e in items)
    opts = Options(preserve=preserve)
    ok, done, counter = run_jobs(
        settings, lambda eng: _jobs(eng, plan, src, dst, opts), total, len(items), "mirror"
    )
    summary(out, counter, done, "Mirrored")
    finish(ok)


def _side(target: Target) -> list[Entry]:
    if isinstance(target, RemotePath) and not target.bucket:
        raise ClientError(f"{target}: give a bucket", code="BadPath")
    with errors(f"list {target}"):
        return list(walk(target))


@click.command("diff")
@click.argument("first")
@click.argument("second")
@output_options
def diff(first: str, second: str) -> None:
    """List keys only in FIRST (<), only in SECOND (>), or differing in size (!)."""
    out = get_output()
    a, b = parse_any(first), parse_any(second)
    marks = {ONLY_FIRST: "<", ONLY_SECOND: ">"}
    for d in compare(_side(a), _side(b)):
        one, two = str(child(a, d.key)), str(child(b, d.key))
        shown = two if d.kind == ONLY_SECOND else one
        data = {"first": one, "second": two, "key": d.key, "diff": d.kind}
        out.record(data, f"{marks.get(d.kind, '!')} {shown}")
