"""`grenier version enable|suspend|info ALIAS/BUCKET`: bucket versioning (mc's verbs)."""

from __future__ import annotations

import click

from grenier.cli.output import get_output, output_options
from grenier.client.errors import ClientError, errors
from grenier.client.paths import RemotePath, parse_remote
from grenier.client.session import connect


def bucket_path(arg: str) -> RemotePath:
    path = parse_remote(arg)
    if not path.bucket or path.key:
        raise ClientError(f"{arg}: expected ALIAS/BUCKET", code="BadPath")
    return path


def _set(arg: str, status: str) -> None:
    path = bucket_path(arg)
    with errors(f"set versioning of {path}"):
        connect(path.alias).s3.put_bucket_versioning(
            Bucket=path.bucket, VersioningConfiguration={"Status": status}
        )
    get_output().record(
        {"op": "version", "bucket": str(path), "versioning": status},
        f"{path} versioning is {status.lower()}",
    )


@click.group("version")
def version() -> None:
    """Turn bucket versioning on, suspend it, or show it."""


@version.command("enable")
@click.argument("path")
@output_options
def enable(path: str) -> None:
    """Keep every version of every object from now on."""
    _set(path, "Enabled")


@version.command("suspend")
@click.argument("path")
@output_options
def suspend(path: str) -> None:
    """Stop creating new versions (existing versions are kept)."""
    _set(path, "Suspended")


@version.command("info")
@click.argument("path")
@output_options
def info(path: str) -> None:
    """Show the versioning state of a bucket."""
    target = bucket_path(path)
    with errors(f"get versioning of {target}"):
        status = connect(target.alias).s3.get_bucket_versioning(Bucket=target.bucket).get("Status")
    text = f"{target} versioning is {status.lower()}" if status else f"{target} is un-versioned"
    get_output().record(
        {"op": "version", "bucket": str(target), "versioning": status or "Unversioned"}, text
    )
