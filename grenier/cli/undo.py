"""`grenier undo ALIAS/BUCKET/KEY`: revert the last PUT or DELETE of a versioned object.

Like ``mc undo``: when the latest version is a delete marker, the marker is removed
(the object comes back); when it is a version, that version is removed (the previous
one becomes current). ``--last N`` reverts N operations.
"""

from __future__ import annotations

from typing import Any

import click

from grenier.cli.output import get_output, output_options
from grenier.client.errors import ClientError, errors
from grenier.client.paths import parse_remote
from grenier.client.session import connect


def _history(s3: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    """The key's versions and delete markers, newest first."""
    found: list[dict[str, Any]] = []
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
    for page in pages:
        for kind in ("Versions", "DeleteMarkers"):
            for v in page.get(kind, []):
                if v["Key"] == key:
                    found.append({**v, "marker": kind == "DeleteMarkers"})
    return sorted(found, key=lambda v: (not v["IsLatest"], -v["LastModified"].timestamp()))


@click.command("undo")
@click.argument("path")
@click.option("--last", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--dry-run", is_flag=True, help="Show what would be reverted.")
@output_options
def undo(path: str, last: int, dry_run: bool) -> None:
    """Revert the last PUT/DELETE operations on an object of a versioned bucket."""
    target = parse_remote(path)
    if not target.bucket or not target.key:
        raise ClientError(f"{path}: expected ALIAS/BUCKET/KEY", code="BadPath")
    s3 = connect(target.alias).s3
    with errors(f"undo {target}"):
        history = _history(s3, target.bucket, target.key)
        if not history:
            raise ClientError(f"{target}: no versions to undo", code="NoSuchKey")
        out = get_output()
        for entry in history[:last]:
            what = "delete marker" if entry["marker"] else "version"
            if not dry_run:
                s3.delete_object(Bucket=target.bucket, Key=target.key, VersionId=entry["VersionId"])
            out.record(
                {"op": "undo", "key": str(target), "versionId": entry["VersionId"],
                 "deleteMarker": entry["marker"], "dryRun": dry_run},
                f"{'Would remove' if dry_run else 'Removed'} {what} {entry['VersionId']} of {target}",
            )  # fmt: skip
