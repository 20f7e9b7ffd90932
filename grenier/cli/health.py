"""`grenier ping` and `grenier ready`: is the server up, is it ready to serve?"""

from __future__ import annotations

import time

import click

from grenier.cli.base import finish
from grenier.cli.output import get_output, output_options
from grenier.client.errors import ClientError
from grenier.client.health import Probe, probe
from grenier.client.paths import parse_remote
from grenier.client.session import connect


def _session(arg: str):  # noqa: ANN202 - Session
    path = parse_remote(arg)
    return connect(path.alias)


def _record(p: Probe) -> dict[str, object]:
    return {
        "alias": p.alias,
        "endpoint": p.url,
        "ok": p.ok,
        "status": p.status,
        "method": p.method,
        "latencyMs": round(p.latency_ms, 2),
        "detail": p.detail,
    }


@click.command("ping")
@click.argument("alias")
@click.option("-c", "--count", type=click.IntRange(1, 10_000), default=3, show_default=True)
@click.option(
    "-i",
    "--interval",
    type=click.FloatRange(0, 3600),
    default=1.0,
    show_default=True,
    help="Seconds between probes.",
)
@output_options
def ping(alias: str, count: int, interval: float) -> None:
    """Check that ALIAS answers (liveness), COUNT times, with latency."""
    out = get_output()
    session = _session(alias)
    failures = 0
    for i in range(count):
        if i:
            time.sleep(interval)
        try:
            p = probe(session, "live")
        except ClientError as err:
            out.error(err)
            failures += 1
            continue
        out.record(
            {"seq": i + 1, **_record(p)},
            f"{i + 1}: {p.url} {'alive' if p.ok else 'down'} time={p.latency_ms:.1f}ms ({p.method})",
        )
        failures += 0 if p.ok else 1
    finish(failures == 0)


@click.command("ready")
@click.argument("alias")
@output_options
def ready(alias: str) -> None:
    """Check that ALIAS is ready to serve (GET /minio/health/ready, else an S3 probe)."""
    out = get_output()
    p = probe(_session(alias), "ready")
    state = "is ready" if p.ok else "is not ready"
    how = "" if p.method.endswith("/ready") else f" (no health endpoint; checked with {p.method})"
    out.record(_record(p), f"The cluster {state}{how}." if p.ok else f"`{alias}` {state}.")
    if not p.ok:
        out.error(ClientError(f"{alias}: server is not ready (HTTP {p.status})", code="NotReady"))
    finish(p.ok)
