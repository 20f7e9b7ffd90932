"""`grenier rm`: remove objects, folders (-r --force), versions and incomplete uploads."""

from __future__ import annotations

from collections.abc import Iterator

import click

from grenier.cli.base import finish
from grenier.cli.output import get_output, output_options
from grenier.client.compare import Filters
from grenier.client.errors import ClientError, errors
from grenier.client.listing import Entry, iter_objects, iter_uploads, iter_versions
from grenier.client.objects import batches, delete_batch, head
from grenier.client.paths import RemotePath, parse_remote
from grenier.client.session import Session, connect
from grenier.client.transfer import Engine, Job, Result, Settings
from grenier.client.tree import dir_prefix
from grenier.client.units import parse_duration


def _entries(
    session: Session, path: RemotePath, versions: bool, filters: Filters
) -> Iterator[Entry]:
    lister = iter_versions if versions else iter_objects
    prefix = dir_prefix(path)
    if path.key and not path.key.endswith("/"):
        yield from (
            e
            for e in lister(session, path.bucket, path.key, recursive=False)
            if e.key == path.key and filters.age_ok(e)
        )
    for entry in lister(session, path.bucket, prefix):
        if not entry.is_dir and filters.age_ok(entry):
            yield entry


def _delete_jobs(
    session: Session, path: RemotePath, entries: Iterator[Entry], dry_run: bool
) -> Iterator[Job]:
    items = (
        {"Key": e.key, **({"VersionId": e.version_id} if e.version_id else {})} for e in entries
    )
    for batch in batches(items):
        keys = [
            f"{path.alias}/{path.bucket}/{b['Key']}"
            + (f" ({b['VersionId']})" if "VersionId" in b else "")
            for b in batch
        ]

        def run(batch: list[dict[str, str]] = batch) -> None:
            if not dry_run:
                delete_batch(session, path.bucket, batch)

        yield Job("remove", "\n".join(keys), "", len(batch), run)


def _on_removed(result: Result, dry_run: bool) -> None:
    out = get_output()
    if result.error is not None:
        out.error(result.error)
        return
    verb = "Would remove" if dry_run else "Removed"
    for key in result.job.source.split("\n"):
        out.record({"op": "remove", "key": key, "dryRun": dry_run}, f"{verb} `{key}`.")


def _remove_one(path: RemotePath, dry_run: bool, version_id: str = "") -> None:
    session = connect(path.alias)
    head(session, path.bucket, path.key, version_id)
    extra = {"VersionId": version_id} if version_id else {}
    if not dry_run:
        with errors(f"remove {path}"):
            session.s3.delete_object(Bucket=path.bucket, Key=path.key, **extra)
    verb = "Would remove" if dry_run else "Removed"
    shown = f"{path} ({version_id})" if version_id else str(path)
    data = {"op": "remove", "key": str(path), "dryRun": dry_run}
    if version_id:
        data["versionId"] = version_id
    get_output().record(data, f"{verb} `{shown}`.")


def _remove_incomplete(path: RemotePath, recursive: bool, dry_run: bool) -> None:
    session = connect(path.alias)
    out = get_output()
    for upload in iter_uploads(session, path.bucket, path.key):
        if not recursive and upload["Key"] != path.key:
            continue
        if not dry_run:
            with errors(f"remove incomplete upload {upload['Key']}"):
                session.s3.abort_multipart_upload(
                    Bucket=path.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
        key = f"{path.alias}/{path.bucket}/{upload['Key']}"
        out.record(
            {
                "op": "remove",
                "key": key,
                "uploadId": upload["UploadId"],
                "incomplete": True,
                "dryRun": dry_run,
            },
            f"Removed incomplete upload `{key}`.",
        )


@click.command("rm")
@click.argument("paths", nargs=-1, required=True)
@click.option("-r", "--recursive", is_flag=True, help="Remove everything below each path.")
@click.option("--force", is_flag=True, help="Required with --recursive.")
@click.option("--incomplete", "-I", is_flag=True, help="Remove incomplete multipart uploads.")
@click.option("--versions", is_flag=True, help="Remove every version too (with -r).")
@click.option("--older-than", help="Only objects modified more than DURATION ago (e.g. 30d).")
@click.option("--newer-than", help="Only objects modified within DURATION.")
@click.option("--dry-run", is_flag=True, help="Show what would be removed.")
@click.option("--version-id", "--vid", default="", help="Remove only this version of the object.")
@output_options
def rm(
    paths: tuple[str, ...],
    recursive: bool,
    force: bool,
    incomplete: bool,
    versions: bool,
    older_than: str | None,
    newer_than: str | None,
    dry_run: bool,
    version_id: str,
) -> None:
    """Remove objects. Folders and buckets' contents need --recursive --force."""
    if version_id and (recursive or incomplete or versions or len(paths) != 1):
        raise ClientError(
            "--version-id removes one version of one object (no -r, --incomplete, --versions)",
            code="BadVersionId",
        )
    if recursive and not force and not dry_run:
        raise ClientError("removing recursively requires --force (or --dry-run)", code="NeedForce")
    filters = Filters(
        older_than=parse_duration(older_than) if older_than else None,
        newer_than=parse_duration(newer_than) if newer_than else None,
    )
    targets = [parse_remote(p) for p in paths]
    ok = True
    for path in targets:
        if not path.bucket:
            raise ClientError(f"{path}: give a bucket (use 'rb' to remove buckets)", code="BadPath")
        if incomplete:
            _remove_incomplete(path, recursive, dry_run)
        elif not recursive:
            if not path.key or path.key.endswith("/"):
                raise ClientError(
                    f"{path}: is a bucket or folder (use -r --force)", code="IsADirectory"
                )
            _remove_one(path, dry_run, version_id)
        else:
            session = connect(path.alias)
            jobs = _delete_jobs(session, path, _entries(session, path, versions, filters), dry_run)
            with Engine(Settings()) as engine:
                ok = engine.run(jobs, lambda r: _on_removed(r, dry_run)) and ok
    finish(ok)
