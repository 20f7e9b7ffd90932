"""Workload sizes: the full suite and the ``--quick`` smoke run."""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True)
class ObjectSet:
    """One PUT/GET row family: ``count`` objects of ``size`` bytes at ``concurrency``."""

    name: str
    size: int
    count: int
    concurrency: int
    part_size: int = 0  # > 0: written with multipart upload

    @property
    def label(self) -> str:
        return human(self.size) + (" multipart" if self.part_size else "")


@dataclass(frozen=True)
class Sizes:
    objects: tuple[ObjectSet, ...]
    list_small: int
    list_big: int
    list_fanout: int
    zarr_time_steps: int  # dataset is time x 256 x 1024 float32 (1 MiB per step)
    cli_files: int
    cli_file_size: int
    memory_size: int
    limit_bytes: int
    time_limit: float  # seconds, per load run


FULL = Sizes(
    objects=(
        ObjectSet("small", 4 * KIB, 20_000, 32),
        ObjectSet("medium", MIB, 1_000, 16),
        ObjectSet("large", 256 * MIB, 4, 2),
        ObjectSet("multipart", GIB, 2, 2, part_size=64 * MIB),
    ),
    list_small=10_000,
    list_big=1_000_000,
    list_fanout=100,
    zarr_time_steps=1_024,
    cli_files=10_000,
    cli_file_size=4 * KIB,
    memory_size=5 * GIB,
    limit_bytes=1 * GIB,
    time_limit=300.0,
)

QUICK = Sizes(
    objects=(
        ObjectSet("small", 4 * KIB, 400, 32),
        ObjectSet("medium", MIB, 32, 16),
        ObjectSet("large", 16 * MIB, 2, 2),
        ObjectSet("multipart", 24 * MIB, 2, 2, part_size=8 * MIB),
    ),
    list_small=1_000,
    list_big=3_000,
    list_fanout=100,
    zarr_time_steps=8,
    cli_files=100,
    cli_file_size=4 * KIB,
    memory_size=64 * MIB,
    limit_bytes=64 * MIB,
    time_limit=30.0,
)


def human(size: int) -> str:
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} B"
