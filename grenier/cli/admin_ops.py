"""`grenier admin info|trace|prometheus`: the operator's view of a server (mc's verbs)."""

from __future__ import annotations

import sys
from typing import Any

import click

from grenier.cli.output import get_output, output_options
from grenier.client import admin_ops
from grenier.client.units import human_size


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m", f"{secs}s"]
    return " ".join(p for p in parts if p)


@click.command("info")
@click.argument("alias")
@output_options
def info(alias: str) -> None:
    """Show version, uptime, workers, durability, TLS, usage and free space of ALIAS."""
    doc = admin_ops.server_info(alias)
    tls = doc.get("tls", {})
    lines = [
        f"●  {doc['endpoint']}",
        f"   Version: {doc['version']}   Uptime: {_duration(doc['uptime'])}",
        f"   Workers: {doc['workers']}   Durability: {doc['durability']}   Region: {doc['region']}",
        f"   TLS: {'on' if tls.get('enabled') else 'off'}"
        + "".join(
            f"   {', '.join(c['names']) or 'default'} (until {c['not_after'][:10]})"
            for c in tls.get("certificates", [])
        ),  # fmt: skip
        f"   {doc['buckets']} bucket(s), {doc['objects']} object(s), "
        f"{human_size(doc['usage'])} used, {human_size(doc['free_space'])} free "
        f"of {human_size(doc['total_space'])}",
    ]
    accounts = doc.get("accounts") or []
    if len(accounts) > 1:  # a single-account server shows what it always showed
        lines.append("   Accounts:")
        lines += [
            f"     {a['account']}: {a['buckets']} bucket(s), {a['objects']} object(s), "
            f"{human_size(a['usage'])}"
            for a in accounts
        ]
    get_output().record({"op": "info", "alias": alias, **doc}, "\n".join(lines))


def _trace_line(record: dict[str, Any], verbose: bool) -> str:
    api = record["api"]
    target = f"/{api['bucket']}/{api['object']}" if api["object"] else f"/{api['bucket']}"
    line = (
        f"{record['time'][11:23]} [{api['statusCode']} {api['status']}] {api['name']} "
        f"{record['requestHost']}{record['requestPath'] if api['bucket'] == '' else target} "
        f"{record['remotehost']} {int(api['timeToResponseInNS']) / 1e6:.1f}ms "
        f"↑ {human_size(api['rx'])} ↓ {human_size(api['tx'])}"
    )
    if api.get("errorCode"):
        line += f" {api['errorCode']}"
    if verbose:
        for title, key in (("request", "requestHeader"), ("response", "responseHeader")):
            for name, value in (record.get(key) or {}).items():
                line += f"\n    {title} {name}: {value}"
    return line


@click.command("trace")
@click.argument("alias")
@click.option("--status-code", type=int, help="Only requests answered with this status.")
@click.option("--path", help="Only requests on BUCKET/KEY matching this prefix or glob.")
@click.option("--verbose", "-v", is_flag=True, help="Show request and response headers.")
@output_options
def trace(alias: str, status_code: int | None, path: str | None, verbose: bool) -> None:
    """Show the requests ALIAS serves, live, on every worker (Ctrl-C stops)."""
    out = get_output()
    try:
        for record in admin_ops.trace(alias, status_code, path, verbose):
            out.record({"op": "trace", **record}, _trace_line(record, verbose))
            sys.stdout.flush()  # a live view: every line as it comes
    except KeyboardInterrupt:
        pass


@click.group("prometheus")
def prometheus() -> None:
    """Prometheus scrape configuration for a server's metrics."""


@prometheus.command("generate")
@click.argument("alias")
@click.argument(
    "kind", required=False, default="cluster", type=click.Choice(admin_ops.METRICS_KINDS)
)
@output_options
def generate(alias: str, kind: str) -> None:
    """Print a scrape_configs block with a bearer token for ALIAS's KIND metrics."""
    entry = admin_ops.scrape_config(alias, kind)
    get_output().record({"op": "prometheus", "alias": alias, **entry}, admin_ops.scrape_yaml(entry))
