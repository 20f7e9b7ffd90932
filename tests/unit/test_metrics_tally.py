"""The per-worker tallies give prometheus_client exactly what its own observe() would."""

from __future__ import annotations

import bisect
import random

from prometheus_client import CollectorRegistry, Histogram

from grenier.engine.stats import SECONDS_BOUNDS, Distribution
from grenier.server.metrics import _add_buckets


def _samples(hist: Histogram) -> dict[tuple[str, str], float]:
    return {
        (s.name, s.labels.get("le", "")): s.value
        for metric in hist.collect()
        for s in metric.samples
        if not s.name.endswith("_created")
    }


def test_bucketed_counts_equal_observe() -> None:
    rng = random.Random(7)
    values = [
        rng.choice([0.0, 1e-5, 0.001, 0.0025, 0.3, 7.0, 99.0]) * rng.random() for _ in range(500)
    ]
    values += list(SECONDS_BOUNDS) + [1e9]  # exactly on a bound, and past the last one
    observed = Histogram("a", "a", buckets=SECONDS_BOUNDS, registry=CollectorRegistry())
    for v in values:
        observed.observe(v)
    counts = [0] * (len(SECONDS_BOUNDS) + 1)
    for v in values:
        counts[bisect.bisect_left(SECONDS_BOUNDS, v)] += 1
    tallied = Histogram("a", "a", buckets=SECONDS_BOUNDS, registry=CollectorRegistry())
    _add_buckets(tallied, counts, sum(values))
    assert _samples(tallied) == _samples(observed)


def test_engine_distribution_take_resets() -> None:
    dist = Distribution((1.0, 2.0))
    for v in (0.5, 1.0, 1.5, 3.0):
        dist.observe(v)
    assert dist.take() == ([2, 1, 1], 6.0)
    assert dist.take() == ([0, 0, 0], 0.0)
