"""`grenier pipe`: stream stdin into an object (multipart, no size needed)."""

from __future__ import annotations

import sys

import click

from grenier.cli.output import get_output, output_options
from grenier.cli.progress import progress
from grenier.cli.transfers import make_settings, parse_attrs, transfer_options
from grenier.client.errors import ClientError, errors
from grenier.client.jobs import Options, copy_extra
from grenier.client.paths import parse_remote
from grenier.client.session import connect
from grenier.client.transfer import Engine
from grenier.client.upload import put_stream


@click.command("pipe")
@click.argument("target")
@click.option("--attr", multiple=True, metavar="K=V[;K=V]", help="Metadata or headers to set.")
@transfer_options
@output_options
def pipe(
    target: str,
    attr: tuple[str, ...],
    workers: int | None,
    limit_upload: str | None,
    limit_download: str | None,
) -> None:
    """Write stdin to ALIAS/BUCKET/KEY, streamed as a multipart upload."""
    out = get_output()
    path = parse_remote(target)
    if not path.bucket or not path.key or path.key.endswith("/"):
        raise ClientError(f"{target}: expected ALIAS/BUCKET/KEY", code="BadPath")
    settings = make_settings(workers, limit_upload, limit_download)
    extra = copy_extra(Options(attrs=parse_attrs(attr)))
    extra.setdefault("ContentType", "application/octet-stream")
    session = connect(path.alias, settings.workers)
    with (
        progress(out, None, 1, "pipe") as counter,
        Engine(settings, counter) as engine,
        errors(f"pipe to {target}"),
    ):
        etag = put_stream(engine, session, sys.stdin.buffer, path.bucket, path.key, extra)
    out.record(
        {"op": "pipe", "target": str(path), "size": counter.bytes, "etag": etag},
        None if out.fancy else f"`stdin` -> `{path}` ({counter.bytes} bytes)",
    )
