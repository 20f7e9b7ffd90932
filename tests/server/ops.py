"""Helpers for the operator-surface tests: the CLI as a subprocess, metric scrapes."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.servers import S3Endpoint


def grenier_cli(
    server: S3Endpoint, *args: str, home: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``grenier ARGS`` with alias ``t`` pointing at ``server`` (GRENIER_HOST_t)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(home), GRENIER_HOST_t=server.env_host(), **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "grenier", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def scrape(url: str, token: str | None = None, context: Any = None) -> dict[str, dict[Any, float]]:
    """{sample name: {frozenset(labels without server): value}} via prometheus_client's parser."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30, context=context) as resp:
        text = resp.read().decode()
    samples: dict[str, dict[Any, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset((k, v) for k, v in sample.labels.items() if k != "server")
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def value(samples: dict[str, dict[Any, float]], name: str, **labels: str) -> float:
    return samples.get(name, {}).get(frozenset(labels.items()), 0.0)
