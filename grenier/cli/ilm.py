"""`grenier ilm rule add|ls|rm ALIAS/BUCKET`: lifecycle rules, with mc's verbs and flags."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import click

from grenier.cli.output import get_output, output_options
from grenier.cli.version import bucket_path
from grenier.client.errors import ClientError, errors
from grenier.client.paths import RemotePath
from grenier.client.session import connect


def _rules(path: RemotePath) -> list[dict[str, Any]]:
    try:
        with errors(f"get lifecycle of {path}"):
            resp = connect(path.alias).s3.get_bucket_lifecycle_configuration(Bucket=path.bucket)
    except ClientError as exc:
        if exc.code == "NoSuchLifecycleConfiguration":
            return []
        raise
    return list(resp.get("Rules", []))


def _save(path: RemotePath, rules: list[dict[str, Any]]) -> None:
    s3 = connect(path.alias).s3
    with errors(f"set lifecycle of {path}"):
        if rules:
            s3.put_bucket_lifecycle_configuration(
                Bucket=path.bucket, LifecycleConfiguration={"Rules": rules}
            )
        else:
            s3.delete_bucket_lifecycle(Bucket=path.bucket)


def _filter(prefix: str, tags: str | None) -> dict[str, Any]:
    pairs = [{"Key": k, "Value": v} for k, v in parse_qsl(tags or "", keep_blank_values=True)]
    if tags and not pairs:
        raise ClientError(f"invalid --tags {tags!r} (expected k1=v1&k2=v2)", code="BadArgument")
    if not pairs:
        return {"Prefix": prefix}
    if len(pairs) == 1 and not prefix:
        return {"Tag": pairs[0]}
    return {"And": {"Prefix": prefix, "Tags": pairs}}


def _date(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ClientError(
            f"invalid --expire-date {text!r} (YYYY-MM-DD)", code="BadArgument"
        ) from None
    return day.replace(tzinfo=UTC)


@click.group("ilm")
def ilm() -> None:
    """Object lifecycle management: expire objects and old versions automatically."""


@ilm.group("rule")
def rule() -> None:
    """Add, list and remove lifecycle rules."""


@rule.command("add")
@click.argument("path")
@click.option("--id", "rule_id", help="Rule ID (default: random).")
@click.option("--prefix", default="", help="Only objects under this prefix.")
@click.option("--tags", help="Only objects with these tags: k1=v1&k2=v2.")
@click.option("--expire-days", type=click.IntRange(min=1), help="Expire objects after N days.")
@click.option("--expire-date", help="Expire objects on this date (YYYY-MM-DD).")
@click.option("--expire-delete-marker", is_flag=True, help="Remove delete markers left alone.")
@click.option(
    "--noncurrent-expire-days", type=click.IntRange(min=1), help="Remove old versions after N days."
)
@click.option(
    "--noncurrent-expire-newer",
    type=click.IntRange(min=1, max=100),
    help="Keep this many newest old versions whatever their age.",
)
@click.option(
    "--abort-incomplete-days",
    type=click.IntRange(min=1),
    help="Abort multipart uploads left incomplete for N days.",
)
@click.option("--disable", is_flag=True, help="Add the rule disabled.")
@output_options
def add(
    path: str,
    rule_id: str | None,
    prefix: str,
    tags: str | None,
    expire_days: int | None,
    expire_date: str | None,
    expire_delete_marker: bool,
    noncurrent_expire_days: int | None,
    noncurrent_expire_newer: int | None,
    abort_incomplete_days: int | None,
    disable: bool,
) -> None:
    """Add a lifecycle rule to a bucket."""
    target = bucket_path(path)
    new: dict[str, Any] = {
        "ID": rule_id or secrets.token_hex(10),
        "Status": "Disabled" if disable else "Enabled",
        "Filter": _filter(prefix, tags),
    }
    if expire_days is not None:
        new["Expiration"] = {"Days": expire_days}
    elif expire_date is not None:
        new["Expiration"] = {"Date": _date(expire_date)}
    elif expire_delete_marker:
        new["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if noncurrent_expire_days is not None or noncurrent_expire_newer is not None:
        if noncurrent_expire_days is None:
            raise ClientError(
                "--noncurrent-expire-newer needs --noncurrent-expire-days", code="BadArgument"
            )
        nc: dict[str, Any] = {"NoncurrentDays": noncurrent_expire_days}
        if noncurrent_expire_newer is not None:
            nc["NewerNoncurrentVersions"] = noncurrent_expire_newer
        new["NoncurrentVersionExpiration"] = nc
    if abort_incomplete_days is not None:
        new["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": abort_incomplete_days}
    if len(new) == 3:
        raise ClientError(
            "nothing to do: give an --expire-* or --noncurrent-* flag", code="BadArgument"
        )
    rules = _rules(target)
    if any(r.get("ID") == new["ID"] for r in rules):
        raise ClientError(f"{target}: a rule with ID {new['ID']} exists", code="RuleExists")
    _save(target, [*rules, new])
    get_output().record(
        {"op": "ilm-add", "bucket": str(target), "rule": new},
        f"Lifecycle configuration rule added with ID `{new['ID']}` to {target}.",
    )


def _describe(r: dict[str, Any]) -> dict[str, Any]:
    flt = r.get("Filter", {})
    both = flt.get("And", {})
    tags = flt.get("Tag") and [flt["Tag"]] or both.get("Tags", [])
    exp = r.get("Expiration", {})
    nc = r.get("NoncurrentVersionExpiration", {})
    date = exp.get("Date")
    return {
        "id": r.get("ID", ""),
        "status": r.get("Status", ""),
        "prefix": flt.get("Prefix", both.get("Prefix", r.get("Prefix", ""))) or "",
        "tags": "&".join(f"{t['Key']}={t['Value']}" for t in tags),
        "expireDays": exp.get("Days"),
        "expireDate": date.strftime("%Y-%m-%d") if date else None,
        "expireDeleteMarker": bool(exp.get("ExpiredObjectDeleteMarker")),
        "noncurrentExpireDays": nc.get("NoncurrentDays"),
        "noncurrentExpireNewer": nc.get("NewerNoncurrentVersions"),
        "abortIncompleteDays": r.get("AbortIncompleteMultipartUpload", {}).get(
            "DaysAfterInitiation"
        ),
    }


@rule.command("ls")
@click.argument("path")
@output_options
def ls(path: str) -> None:
    """List a bucket's lifecycle rules."""
    target = bucket_path(path)
    out = get_output()
    rules = [_describe(r) for r in _rules(target)]
    if not rules:
        out.text(f"{target}: no lifecycle rules")
    for d in rules:
        actions = [
            f"expire after {d['expireDays']}d" if d["expireDays"] else "",
            f"expire on {d['expireDate']}" if d["expireDate"] else "",
            "remove lone delete markers" if d["expireDeleteMarker"] else "",
            f"old versions after {d['noncurrentExpireDays']}d" if d["noncurrentExpireDays"] else "",
            f"keep {d['noncurrentExpireNewer']} newer" if d["noncurrentExpireNewer"] else "",
            f"abort uploads after {d['abortIncompleteDays']}d" if d["abortIncompleteDays"] else "",
        ]
        scope = f"prefix={d['prefix'] or '*'}" + (f" tags={d['tags']}" if d["tags"] else "")
        out.record(
            {"op": "ilm-ls", "bucket": str(target), **d},
            f"{d['id']:<24} {d['status']:<8} {scope:<30} {', '.join(a for a in actions if a)}",
        )


@rule.command("rm")
@click.argument("path")
@click.option("--id", "rule_id", help="The rule to remove.")
@click.option("--all", "remove_all", is_flag=True, help="Remove every rule.")
@output_options
def rm(path: str, rule_id: str | None, remove_all: bool) -> None:
    """Remove one lifecycle rule (--id) or all of them (--all)."""
    target = bucket_path(path)
    if not rule_id and not remove_all:
        raise ClientError("give --id ID or --all", code="BadArgument")
    rules = _rules(target)
    kept = [] if remove_all else [r for r in rules if r.get("ID") != rule_id]
    if not remove_all and len(kept) == len(rules):
        raise ClientError(f"{target}: no rule with ID {rule_id}", code="NoSuchRule")
    _save(target, kept)
    what = "All rules" if remove_all else f"Rule ID `{rule_id}`"
    get_output().record(
        {"op": "ilm-rm", "bucket": str(target), "removed": len(rules) - len(kept)},
        f"{what} removed from {target}.",
    )
