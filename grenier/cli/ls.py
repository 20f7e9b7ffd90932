"""`grenier ls` and `grenier tree`: list buckets, folders and objects."""

from __future__ import annotations

from typing import Any

import click

from grenier.cli.output import get_output, iso, output_options, stamp
from grenier.client.browse import listing
from grenier.client.listing import Entry
from grenier.client.paths import RemotePath, parse_any
from grenier.client.units import human_size


def entry_record(entry: Entry, name: str, url: str, buckets: bool = False) -> dict[str, Any]:
    kind = "bucket" if buckets else ("folder" if entry.is_dir else "file")
    data: dict[str, Any] = {
        "type": kind,
        "key": name,
        "url": url,
        "size": entry.size,
        "lastModified": iso(entry.mtime),
        "etag": entry.etag,
        "storageClass": entry.storage_class,
    }
    if entry.version_id:
        data.update(versionId=entry.version_id, isLatest=entry.is_latest)
        data["isDeleteMarker"] = entry.delete_marker
    return data


def entry_line(entry: Entry, name: str, versions: bool) -> str:
    size = human_size(entry.size) if not entry.is_dir else "0B"
    if versions and not entry.is_dir:
        op = "DEL" if entry.delete_marker else "PUT"
        return f"{stamp(entry.mtime)} {size:>9} {entry.version_id or 'null'} {op} {name}"
    klass = entry.storage_class or ("" if entry.is_dir else "STANDARD")
    return f"{stamp(entry.mtime)} {size:>9} {klass:<8} {name}"


@click.command("ls")
@click.argument("path")
@click.option("-r", "--recursive", is_flag=True, help="List everything below PATH.")
@click.option("--versions", is_flag=True, help="List every version and delete marker.")
@click.option("--summarize", is_flag=True, help="Print the total size and object count.")
@output_options
def ls(path: str, recursive: bool, versions: bool, summarize: bool) -> None:
    """List buckets (ALIAS), folders and objects (ALIAS/BUCKET[/PREFIX]) or a local folder."""
    out = get_output()
    target = parse_any(path)
    result = listing(target, recursive=recursive, versions=versions)
    total_size = total_objects = 0
    for entry in result.entries:
        name = entry.name(result.root) + ("/" if result.buckets else "")
        url = (
            f"{target.alias}/{entry.key}"
            if isinstance(target, RemotePath) and result.buckets
            else (
                f"{target.alias}/{target.bucket}/{entry.key}"
                if isinstance(target, RemotePath)
                else entry.key
            )
        )
        if not entry.is_dir:
            total_size += entry.size
            total_objects += 1
        out.record(
            entry_record(entry, name, url, result.buckets), entry_line(entry, name, versions)
        )
    if summarize:
        out.record(
            {"type": "summary", "totalSize": total_size, "totalObjects": total_objects},
            f"\nTotal Size: {human_size(total_size)}\nTotal Objects: {total_objects}",
        )


def _tree_lines(keys: list[str], files: bool, depth: int | None) -> list[tuple[str, str, str]]:
    """(indent, name, path) rows of a tree drawn from '/'-separated keys."""
    tree: dict[str, Any] = {}
    for key in keys:
        parts = key.split("/")
        folders, leaf = parts[:-1], parts[-1]
        node = tree
        for part in folders[: depth if depth else None]:
            node = node.setdefault(part + "/", {})
        if files and leaf and (depth is None or len(folders) < depth):
            node.setdefault(leaf, {})
    rows: list[tuple[str, str, str]] = []

    def walk(node: dict[str, Any], indent: str, base: str) -> None:
        names = sorted(node)
        for i, name in enumerate(names):
            last = i == len(names) - 1
            rows.append((indent + ("└─ " if last else "├─ "), name, base + name))
            walk(node[name], indent + ("   " if last else "│  "), base + name)

    walk(tree, "", "")
    return rows


@click.command("tree")
@click.argument("path")
@click.option("-f", "--files", is_flag=True, help="Show files too, not only folders.")
@click.option("-d", "--depth", type=click.IntRange(min=1), default=None, help="Folder depth limit.")
@output_options
def tree(path: str, files: bool, depth: int | None) -> None:
    """Show the folder tree below ALIAS/BUCKET[/PREFIX] (or a local folder)."""
    out = get_output()
    result = listing(parse_any(path), recursive=True)
    keys = [e.name(result.root) for e in result.entries if not e.is_dir]
    out.text(path.rstrip("/") + "/")
    for indent, name, full in _tree_lines(keys, files, depth):
        kind = "folder" if name.endswith("/") else "file"
        out.record(
            {"type": kind, "key": full, "depth": full.rstrip("/").count("/") + 1}, indent + name
        )
