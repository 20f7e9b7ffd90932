"""`grenier mb` and `grenier rb`: make and remove buckets."""

from __future__ import annotations

import click

from grenier.cli.output import get_output, output_options
from grenier.client.buckets import make_bucket, remove_bucket
from grenier.client.errors import ClientError
from grenier.client.paths import RemotePath, parse_remote
from grenier.client.session import connect


def _bucket_path(arg: str) -> RemotePath:
    path = parse_remote(arg)
    if not path.bucket or path.key:
        raise ClientError(f"{arg}: expected ALIAS/BUCKET", code="BadPath")
    return path


@click.command("mb")
@click.argument("paths", nargs=-1, required=True)
@click.option("-p", "--ignore-existing", is_flag=True, help="No error if the bucket exists.")
@click.option("--with-versioning", is_flag=True, help="Turn versioning on for the new bucket.")
@output_options
def mb(paths: tuple[str, ...], ignore_existing: bool, with_versioning: bool) -> None:
    """Make buckets."""
    out = get_output()
    for arg in paths:
        path = _bucket_path(arg)
        session = connect(path.alias)
        created = make_bucket(session, path.bucket, ignore_existing=ignore_existing)
        if with_versioning:
            from grenier.client.errors import errors

            with errors(f"enable versioning on {path}"):
                session.s3.put_bucket_versioning(
                    Bucket=path.bucket, VersioningConfiguration={"Status": "Enabled"}
                )
        text = (
            f"Bucket created successfully `{path}`."
            if created
            else f"Bucket `{path}` already exists."
        )
        out.record({"op": "make-bucket", "bucket": str(path), "created": created}, text)


@click.command("rb")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--force", is_flag=True, help="Remove the bucket's objects, versions and uploads too."
)
@output_options
def rb(paths: tuple[str, ...], force: bool) -> None:
    """Remove buckets (empty ones, or anything with --force)."""
    out = get_output()
    for arg in paths:
        path = _bucket_path(arg)
        removed = remove_bucket(connect(path.alias), path.bucket, force=force)
        out.record(
            {"op": "remove-bucket", "bucket": str(path), "objectsRemoved": removed},
            f"Removed `{path}` successfully.",
        )
