"""`grenier admin archive info|rescan`: archive buckets' catalogues (docs/archive.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from grenier.cli.output import get_output, output_options
from grenier.client import admin_archive
from grenier.client.units import human_size


@click.group("archive")
def archive() -> None:
    """Archive buckets: directory trees served read-only (grenier server --archive)."""


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def _line(doc: dict[str, Any]) -> str:
    text = (
        f"{doc['name']:<20} {doc['state']:<9} {doc['files']} file(s), "
        f"{human_size(doc['bytes'])}  {doc['path']}  (scanned {_when(doc['finished'])})"
    )
    if doc.get("skipped"):
        text += f"  {doc['skipped']} entries skipped (links, special files, bad names)"
    if doc.get("error"):
        text += f"\n    error: {doc['error']}"
    return text


@archive.command("info")
@click.argument("alias")
@click.argument("name", required=False)
@output_options
def info(alias: str, name: str | None) -> None:
    """Show each archive bucket's path, catalogue state and size."""
    out = get_output()
    for doc in admin_archive.archives(alias, name):
        out.record({"op": "archive-info", **doc}, _line(doc))


@archive.command("rescan")
@click.argument("alias")
@click.argument("name")
@click.option("--wait", is_flag=True, help="Return once the scan is over.")
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds --wait waits.")
@output_options
def rescan(alias: str, name: str, wait: bool, timeout: float) -> None:
    """Rescan archive NAME's tree now (listings show the new catalogue when it ends)."""
    doc = admin_archive.rescan(alias, name, timeout if wait else None)
    text = _line(doc) if wait else f"Rescan of archive `{name}` started."
    get_output().record({"op": "archive-rescan", **doc}, text)
