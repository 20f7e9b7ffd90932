"""`grenier du` and `grenier find`: sizes per folder, and objects matching filters."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from datetime import UTC, datetime

import click

from grenier.cli.output import get_output, iso, output_options
from grenier.client.browse import display_path, listing
from grenier.client.errors import ClientError, errors
from grenier.client.paths import RemotePath, Target, parse_any
from grenier.client.session import connect
from grenier.client.units import human_size, parse_duration, parse_size


def _folders(name: str, depth: int) -> list[str]:
    """The folder prefixes of ``name`` counted by ``du --depth`` ('' = the root)."""
    parts = name.split("/")[:-1]
    return [""] + ["/".join(parts[: i + 1]) + "/" for i in range(min(depth - 1, len(parts)))]


def _instant(target: Target, depth: int, versions: bool) -> tuple[int, int] | None:
    """(size, objects) of a whole bucket from Grenier's admin API (no listing), or None
    when that does not apply: a prefix, ``--depth`` > 1, another server, no root keys,
    or latest-only totals asked of a bucket that has had versioning (the API counts every
    version)."""
    if not isinstance(target, RemotePath) or not target.bucket or target.key.strip("/"):
        return None
    if depth > 1:
        return None
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import get_alias

    alias = get_alias(target.alias)
    if alias.anonymous:
        return None
    try:
        doc = AdminApi(alias).usage(target.bucket)
        row = next(r for r in doc["buckets"] if r["bucket"] == target.bucket)
        size, objects = int(row["size"]), int(row["objects"])
    except (ClientError, ValueError, KeyError, TypeError, StopIteration):
        return None
    if not versions:
        with errors(f"versioning {target}"):
            state = connect(alias).s3.get_bucket_versioning(Bucket=target.bucket)
        if state.get("Status"):
            return None
    return size, objects


@click.command("du")
@click.argument("path")
@click.option(
    "-d",
    "--depth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Print totals for folders down to this depth.",
)
@click.option("--versions", is_flag=True, help="Count every version, not just the latest.")
@output_options
def du(path: str, depth: int, versions: bool) -> None:
    """Disk usage of a bucket or folder (sizes and object counts). A whole bucket on a
    Grenier server (root keys) is answered at once from its usage counters."""
    out = get_output()
    target = parse_any(path)
    base = path.rstrip("/")
    instant = _instant(target, depth, versions)
    if instant is not None:
        size, objects = instant
        out.record(
            {"prefix": base, "size": size, "objects": objects, "method": "usage"},
            f"{human_size(size):>9}\t{objects} object(s)\t{base}",
        )
        return
    result = listing(target, recursive=True, versions=versions)
    sizes: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for entry in result.entries:
        if entry.is_dir or entry.delete_marker:
            continue
        for folder in _folders(entry.name(result.root), depth):
            sizes[folder] += entry.size
            counts[folder] += 1
    for folder in sorted(sizes, key=lambda f: (f == "", f)):
        shown = f"{base}/{folder}".rstrip("/")
        out.record(
            {
                "prefix": shown,
                "size": sizes[folder],
                "objects": counts[folder],
                "method": "listing",
            },
            f"{human_size(sizes[folder]):>9}\t{counts[folder]} object(s)\t{shown}",
        )
    if not sizes:
        out.record(
            {"prefix": base, "size": 0, "objects": 0, "method": "listing"},
            f"{'0B':>9}\t0 object(s)\t{base}",
        )


@click.command("find")
@click.argument("path")
@click.option("--name", "names", multiple=True, help="Base name matches GLOB (repeatable: any).")
@click.option("--path", "paths", multiple=True, help="Full key matches GLOB.")
@click.option("--larger", help="Only objects larger than SIZE (e.g. 10MiB).")
@click.option("--smaller", help="Only objects smaller than SIZE.")
@click.option("--newer-than", help="Only objects modified within DURATION (e.g. 7d, 1h30m).")
@click.option("--older-than", help="Only objects modified more than DURATION ago.")
@click.option("--maxdepth", type=click.IntRange(min=1), default=None, help="Folder depth limit.")
@output_options
def find(
    path: str,
    names: tuple[str, ...],
    paths: tuple[str, ...],
    larger: str | None,
    smaller: str | None,
    newer_than: str | None,
    older_than: str | None,
    maxdepth: int | None,
) -> None:
    """Find objects (or local files) below PATH matching every given filter."""
    out = get_output()
    low = parse_size(larger) if larger else None
    high = parse_size(smaller) if smaller else None
    newer = parse_duration(newer_than) if newer_than else None
    older = parse_duration(older_than) if older_than else None
    now = datetime.now(UTC)
    target = parse_any(path)
    result = listing(target, recursive=True)
    for entry in result.entries:
        rel = entry.name(result.root)
        base_name = rel.rsplit("/", 1)[-1]
        age = now - entry.mtime if entry.mtime else None
        if entry.is_dir or (maxdepth and rel.count("/") >= maxdepth):
            continue
        if names and not any(fnmatch.fnmatchcase(base_name, g) for g in names):
            continue
        if paths and not any(fnmatch.fnmatchcase(rel, g) for g in paths):
            continue
        if (low is not None and entry.size <= low) or (high is not None and entry.size >= high):
            continue
        if age is not None and ((newer and age > newer) or (older and age < older)):
            continue
        full = display_path(target, entry.key)
        out.record(
            {"key": full, "size": entry.size, "lastModified": iso(entry.mtime), "etag": entry.etag},
            full,
        )
