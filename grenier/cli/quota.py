"""`grenier quota set|info|clear ALIAS/BUCKET`: hard bucket quotas via the admin API."""

from __future__ import annotations

import click

from grenier.cli.output import get_output, output_options
from grenier.cli.version import bucket_path
from grenier.client.admin_api import AdminApi
from grenier.client.units import human_size, parse_size


@click.group("quota")
def quota() -> None:
    """Cap a bucket's size (a hard quota: writes past it are refused)."""


@quota.command("set")
@click.argument("path")
@click.option("--size", required=True, help="Hard quota, e.g. 10GiB, 500MB, 1073741824.")
@output_options
def set_quota(path: str, size: str) -> None:
    """Set the bucket's hard quota."""
    target = bucket_path(path)
    doc = AdminApi(target.alias).set_quota(target.bucket, parse_size(size))
    get_output().record(
        {"op": "quota", **doc},
        f"Successfully set bucket quota of {human_size(doc['quota'])} on `{target.bucket}`",
    )


@quota.command("info")
@click.argument("path")
@output_options
def info(path: str) -> None:
    """Show the bucket's quota and current usage (versions and incomplete multipart
    uploads included: both count against the quota)."""
    target = bucket_path(path)
    doc = AdminApi(target.alias).get_quota(target.bucket)
    used = f"{human_size(doc['size'])} used in {doc['objects']} object version(s)"
    if doc.get("uploading"):
        used += f", {human_size(doc['uploading'])} in incomplete multipart uploads"
    if doc.get("quota") is None:
        text = f"Bucket `{target.bucket}` has no quota ({used})"
    else:
        text = f"Bucket `{target.bucket}` has hard quota of {human_size(doc['quota'])} ({used})"
    get_output().record({"op": "quota", **doc}, text)


@quota.command("clear")
@click.argument("path")
@output_options
def clear(path: str) -> None:
    """Remove the bucket's quota."""
    target = bucket_path(path)
    doc = AdminApi(target.alias).clear_quota(target.bucket)
    get_output().record(
        {"op": "quota", **doc},
        f"Successfully cleared bucket quota configuration on `{target.bucket}`",
    )
