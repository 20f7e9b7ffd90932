"""Raw records, the helpers every backend implements, and the shared checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from grenier.engine import Engine

BIG = 300 * 1024  # past the inline limit: stored in a data file


@dataclass(frozen=True)
class RawVersion:
    """One version row as stored, read behind the engine's back."""

    version_id: str
    seq: int
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str
    files: tuple[str, ...]
    inline: bytes | None


@dataclass(frozen=True)
class RawUsage:
    size: int
    objects: int
    uploading: int


class EngineBaseTests:
    """What a backend provides, and the fixtures and checks the tests share."""

    # -- what a backend provides ------------------------------------------------------
    def open_engine(self, root: Path) -> Engine:
        raise NotImplementedError

    def raw_versions(self, engine: Engine, bucket: str, key: str) -> list[RawVersion]:
        """Every version row of ``key``, newest first."""
        raise NotImplementedError

    def raw_referenced(self, engine: Engine) -> set[str]:
        """Data files the index references (object versions and multipart parts)."""
        raise NotImplementedError

    def raw_usage(self, engine: Engine, bucket: str) -> RawUsage:
        """The bucket's usage counters as stored."""
        raise NotImplementedError

    def raw_rows_usage(self, engine: Engine, bucket: str) -> RawUsage:
        """The usage the rows add up to (what the counters must equal)."""
        raise NotImplementedError

    # -- shared fixtures and checks -----------------------------------------------------
    @pytest.fixture
    def engine(self, tmp_path: Path) -> Engine:
        eng = self.open_engine(tmp_path / "data")
        eng.recover()
        asyncio.run(eng.create_bucket("bkt", "root"))
        return eng

    def disk_files(self, engine: Engine) -> set[str]:
        root = engine.files.objects
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    def file_bytes(self, engine: Engine, rel: str) -> bytes:
        return engine.files.path(rel).read_bytes()

    def assert_clean(self, engine: Engine, *buckets: str) -> None:
        """No temp file, no orphan, nothing missing, counters equal to the rows."""
        assert list(engine.files.tmp.iterdir()) == []
        assert self.disk_files(engine) == self.raw_referenced(engine)
        for name in buckets or ("bkt",):
            assert self.raw_usage(engine, name) == self.raw_rows_usage(engine, name)

    async def read(self, engine: Engine, key: str, version_id: str | None = None) -> bytes:
        with engine.open_object("bkt", key, version_id) as opened:
            return b"".join([d async for d in opened.iter_range(0, opened.version.size)])
