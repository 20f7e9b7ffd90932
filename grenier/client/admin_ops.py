"""Operator calls: server info, live trace, Prometheus scrape configuration."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from grenier.client.admin_api import AdminApi
from grenier.client.config import Alias, get_alias
from grenier.client.errors import ClientError

METRICS_KINDS = ("cluster", "node", "bucket")
TOKEN_LIFETIME = 100 * 365 * 24 * 3600  # MinIO's: the token lives as long as the key


def server_info(alias: Alias | str) -> dict[str, Any]:
    return AdminApi(alias).call("GET", "info")


def trace(
    alias: Alias | str,
    status_code: int | None = None,
    path: str | None = None,
    verbose: bool = False,
) -> Iterator[dict[str, Any]]:
    """Records of the requests every worker finishes, as they come (until interrupted)."""
    api = AdminApi(alias)
    query = {"verbose": "true" if verbose else "false"}
    if status_code is not None:
        query["status-code"] = str(status_code)
    if path:
        query["path"] = path
    prepared = api.prepare("GET", "trace", query)
    with api.open(prepared, f"trace on {api.alias.name}", timeout=None) as resp:
        for line in resp:
            if line.strip():
                yield json.loads(line)


def prometheus_token(alias: Alias) -> str:
    """MinIO's bearer token: HS512 with the secret key; ``sub`` the access key."""
    import jwt

    if alias.anonymous:
        raise ClientError(f"{alias.name}: a token needs an alias with keys", code="NoKeys")
    claims = {
        "exp": int(time.time()) + TOKEN_LIFETIME,
        "sub": alias.access_key,
        "iss": "prometheus",
    }
    return str(jwt.encode(claims, alias.secret_key, algorithm="HS512"))


def scrape_config(alias: Alias | str, kind: str = "cluster") -> dict[str, Any]:
    """A ready ``scrape_configs`` entry for Prometheus (as ``mc admin prometheus generate``)."""
    if kind not in METRICS_KINDS:
        raise ClientError(
            f"metrics type must be one of {', '.join(METRICS_KINDS)}", code="BadUsage"
        )
    resolved = get_alias(alias) if isinstance(alias, str) else alias
    url = urlsplit(resolved.url)
    return {
        "job_name": f"grenier-job{'' if kind == 'cluster' else '-' + kind}",
        "bearer_token": prometheus_token(resolved),
        "metrics_path": f"{url.path.rstrip('/')}/minio/v2/metrics/{kind}",
        "scheme": url.scheme,
        "static_configs": [{"targets": [url.netloc]}],
    }


def scrape_yaml(entry: dict[str, Any]) -> str:
    """The entry as Prometheus YAML (written by hand: one fixed shape, no YAML library)."""
    targets = ", ".join(f"'{t}'" for t in entry["static_configs"][0]["targets"])
    return "\n".join(
        [
            "scrape_configs:",
            f"- job_name: {entry['job_name']}",
            f"  bearer_token: {entry['bearer_token']}",
            f"  metrics_path: {entry['metrics_path']}",
            f"  scheme: {entry['scheme']}",
            "  static_configs:",
            f"  - targets: [{targets}]",
        ]
    )
