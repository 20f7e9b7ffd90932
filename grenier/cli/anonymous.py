"""`grenier anonymous`: what unsigned requests may do with a bucket (mc's verbs).

``set download|upload|public|none ALIAS/BUCKET[/PREFIX]`` writes the same canned bucket
policy ``mc anonymous set`` writes, merged with the bucket's other grants;
``get`` names the bucket's (or prefix's) canned policy, ``list`` shows every prefix's,
``set-json``/``get-json`` write/read the policy document itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from grenier.cli.output import get_output, output_options
from grenier.client.errors import ClientError, errors
from grenier.client.paths import RemotePath, parse_remote
from grenier.client.session import connect

KINDS = ("download", "upload", "public", "none")


def _target(arg: str) -> RemotePath:
    path = parse_remote(arg)
    if not path.bucket:
        raise ClientError(f"{arg}: expected ALIAS/BUCKET[/PREFIX]", code="BadPath")
    return path


def _read_policy(path: RemotePath) -> dict[str, Any] | None:
    s3 = connect(path.alias).s3
    try:
        with errors(f"get policy of {path.alias}/{path.bucket}"):
            text = s3.get_bucket_policy(Bucket=path.bucket)["Policy"]
    except ClientError as exc:
        if exc.code == "NoSuchBucketPolicy":
            return None
        raise
    try:
        doc = json.loads(text)
    except ValueError:
        raise ClientError(f"{path}: the bucket policy is not JSON", code="BadPolicy") from None
    return doc if isinstance(doc, dict) else None


def _write_policy(path: RemotePath, doc: dict[str, Any] | str | None) -> None:
    s3 = connect(path.alias).s3
    what = f"set policy of {path.alias}/{path.bucket}"
    with errors(what):
        if doc is None:
            s3.delete_bucket_policy(Bucket=path.bucket)
            return
        try:
            s3.put_bucket_policy(
                Bucket=path.bucket, Policy=doc if isinstance(doc, str) else json.dumps(doc)
            )
        except Exception as exc:
            if _blocked(exc):
                raise ClientError(
                    f"{what}: refused by Block Public Access (BlockPublicPolicy is on for this "
                    "bucket or its account): anonymous access cannot be granted until it is off",
                    code="AccessDenied",
                ) from None
            raise
    _warn_if_ignored(path)


def _blocked(exc: Exception) -> bool:
    error = (getattr(exc, "response", None) or {}).get("Error", {})
    return error.get("Code") == "AccessDenied" and "BlockPublicPolicy" in str(
        error.get("Message", "")
    )


def _warn_if_ignored(path: RemotePath) -> None:
    """RestrictPublicBuckets keeps a public policy from granting anything: say so."""
    s3 = connect(path.alias).s3
    try:
        block = s3.get_public_access_block(Bucket=path.bucket)["PublicAccessBlockConfiguration"]
    except Exception:  # noqa: BLE001 - none set, or a server without the call
        return
    if block.get("RestrictPublicBuckets"):
        get_output().warn(
            f"{path.alias}/{path.bucket}: RestrictPublicBuckets is on, so a public policy "
            "grants anonymous callers nothing until it is turned off"
        )


@click.group("anonymous")
def anonymous() -> None:
    """Manage anonymous (unsigned) access to buckets and prefixes."""


@anonymous.command("set")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("target")
@output_options
def set_(kind: str, target: str) -> None:
    """Set KIND (download, upload, public, none) on ALIAS/BUCKET[/PREFIX]."""
    from grenier.iam.canned import set_canned

    path = _target(target)
    doc = set_canned(_read_policy(path), path.bucket, path.key, kind)
    _write_policy(path, doc)
    get_output().record(
        {"op": "set", "target": str(path), "permission": kind},
        f"Access permission for `{path}` is set to `{kind}`",
    )


@anonymous.command("get")
@click.argument("target")
@output_options
def get(target: str) -> None:
    """Show the canned policy of ALIAS/BUCKET[/PREFIX] (or custom)."""
    from grenier.iam.builtin import recognise_canned

    path = _target(target)
    kind = recognise_canned(_read_policy(path), path.bucket, path.key)
    get_output().record(
        {"op": "get", "target": str(path), "permission": kind},
        f"Access permission for `{path}` is `{kind}`",
    )


@anonymous.command("list")
@click.argument("target")
@output_options
def list_(target: str) -> None:
    """List the prefixes of ALIAS/BUCKET with anonymous access."""
    from grenier.iam.canned import anonymous_grants

    path = _target(target)
    out = get_output()
    for prefix, kind in anonymous_grants(_read_policy(path), path.bucket).items():
        if prefix.startswith(path.key):
            name = f"{path.bucket}/{prefix}*"
            out.record({"op": "list", "resource": name, "permission": kind}, f"{name:<40} {kind}")


@anonymous.command("set-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target")
@output_options
def set_json(file: Path, target: str) -> None:
    """Set the bucket policy of ALIAS/BUCKET from a JSON FILE."""
    path = _target(target)
    _write_policy(path, file.read_text())
    get_output().record(
        {"op": "set-json", "target": str(path), "file": str(file)},
        f"Access permission for `{path}` is set from `{file}`",
    )


@anonymous.command("get-json")
@click.argument("target")
@output_options
def get_json(target: str) -> None:
    """Print the bucket policy of ALIAS/BUCKET as JSON."""
    path = _target(target)
    doc = _read_policy(path)
    get_output().record(
        {"op": "get-json", "target": str(path), "policy": doc}, json.dumps(doc or {}, indent=2)
    )
