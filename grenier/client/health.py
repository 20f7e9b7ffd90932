"""Liveness and readiness probes: MinIO/Grenier health endpoints, else a plain S3 probe."""

from __future__ import annotations

import time
from dataclasses import dataclass

from grenier.client.errors import ClientError, errors
from grenier.client.session import Session

TIMEOUT = 5.0


@dataclass
class Probe:
    alias: str
    url: str
    ok: bool
    status: int
    method: str
    latency_ms: float
    detail: str = ""


def _http_status(url: str) -> int:
    """The status of a GET (0 when the endpoint cannot be reached)."""
    import urllib.error
    import urllib.request  # lazily: 15 ms of every command's start-up otherwise

    try:
        context = None
        if url.startswith("https:"):
            from grenier.client.tls import ssl_context

            context = ssl_context()
        with urllib.request.urlopen(url, timeout=TIMEOUT, context=context) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError) as exc:
        raise ClientError(
            f"cannot reach {url}: {getattr(exc, 'reason', exc)}", code="Unreachable", fatal=True
        ) from exc


def _s3_probe(session: Session) -> str:
    """ListBuckets with keys; anonymous aliases only check that S3 answers at all."""
    if session.alias.anonymous:
        try:
            session.s3.list_buckets()
        except Exception as exc:
            status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            if not status:
                with errors(f"probe {session.name}"):
                    raise
        return "anonymous S3 request"
    with errors(f"probe {session.name}"):
        session.s3.list_buckets()
    return "ListBuckets"


def probe(session: Session, kind: str = "ready") -> Probe:
    """GET /minio/health/<kind>; 200 = ok, 503 = not ready, anything else = not a
    MinIO-compatible health endpoint, so fall back to an S3 request."""
    url = f"{session.alias.url}/minio/health/{kind}"
    start = time.monotonic()
    status = _http_status(url)
    if status in (200, 503):
        ms = (time.monotonic() - start) * 1000
        return Probe(session.name, session.alias.url, status == 200, status, url, ms)
    start = time.monotonic()
    method = _s3_probe(session)
    ms = (time.monotonic() - start) * 1000
    return Probe(session.name, session.alias.url, True, 200, method, ms, "no health endpoint")
