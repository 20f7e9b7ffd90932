"""The engine conformance suite (the idea of zarr's ``StoreTests``).

:class:`EngineTests` drives the :class:`~grenier.engine.Engine` interface directly — no
HTTP — and checks what really got stored through *raw* helpers that each backend
implements on its own storage: the version rows of a key, the data files on disk, the
files the index references, the usage counters. A backend's test module subclasses it,
provides the ``engine`` fixture and the raw helpers, and inherits every test
(``test_sqlite.py`` for the embedded SQLite index; a PostgreSQL index will add its own).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grenier.engine import (
    Body,
    CompletedPart,
    Engine,
    EngineError,
    WriteConditions,
)
from tests.engine.helpers import (
    MIB,
    Hasher,
    asynctest,
    body,
    crc32_b64,
    md5,
    multipart_etag,
)

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


class EngineTests:
    """Every backend passes these. Subclasses provide the fixture and raw helpers."""

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

    # -- writes and reads ---------------------------------------------------------------
    @asynctest
    async def test_small_body_lives_in_the_row(self, engine: Engine) -> None:
        obj = await engine.put_object("bkt", "small", body(b"hello"), meta={"a": "1"})
        assert (obj.etag, obj.size, obj.checksums) == (
            md5(b"hello"),
            5,
            {"CRC32": crc32_b64(b"hello")},
        )
        (raw,) = self.raw_versions(engine, "bkt", "small")
        assert (raw.inline, raw.files, raw.is_latest, raw.version_id) == (
            b"hello",
            (),
            True,
            "null",
        )
        assert self.disk_files(engine) == set()
        assert engine.get_object("bkt", "small").meta == {"a": "1"}
        assert await self.read(engine, "small") == b"hello"
        assert self.raw_usage(engine, "bkt") == RawUsage(5, 1, 0)
        self.assert_clean(engine)

    @asynctest
    async def test_large_body_is_one_file_with_exactly_its_bytes(self, engine: Engine) -> None:
        data = os.urandom(3 * MIB + 17)
        obj = await engine.put_object("bkt", "big", body(data, piece=100_000))
        (raw,) = self.raw_versions(engine, "bkt", "big")
        assert raw.inline is None and len(raw.files) == 1
        assert self.file_bytes(engine, raw.files[0]) == data
        assert obj.etag == md5(data) and obj.checksums == {"CRC32": crc32_b64(data)}
        assert await self.read(engine, "big") == data
        with engine.open_object("bkt", "big") as opened:
            middle = [d async for d in opened.iter_range(MIB - 3, 10)]
        assert b"".join(middle) == data[MIB - 3 : MIB + 7]
        self.assert_clean(engine)

    @asynctest
    async def test_refused_body_leaves_nothing(self, engine: Engine) -> None:
        data = os.urandom(BIG)
        with pytest.raises(EngineError, match="BadDigest"):
            await engine.put_object("bkt", "bad", body(data, expect_md5=md5(b"other")))
        with pytest.raises(EngineError, match="EntityTooLarge"):
            await engine.put_object("bkt", "huge", body(data, limit=BIG - 1))
        assert self.raw_versions(engine, "bkt", "bad") == []
        assert self.raw_versions(engine, "bkt", "huge") == []
        self.assert_clean(engine)

    @asynctest
    async def test_overwrite_releases_the_old_file(self, engine: Engine) -> None:
        await engine.put_object("bkt", "k", body(os.urandom(BIG)))
        (old,) = self.raw_versions(engine, "bkt", "k")
        new_data = os.urandom(BIG + 1)
        await engine.put_object("bkt", "k", body(new_data))
        (raw,) = self.raw_versions(engine, "bkt", "k")
        assert raw.files != old.files and self.disk_files(engine) == set(raw.files)
        assert self.raw_usage(engine, "bkt") == RawUsage(BIG + 1, 1, 0)
        self.assert_clean(engine)

    @asynctest
    async def test_an_open_object_keeps_its_bytes_through_an_overwrite(
        self, engine: Engine
    ) -> None:
        first = os.urandom(BIG)
        await engine.put_object("bkt", "k", body(first))
        with engine.open_object("bkt", "k") as opened:
            await engine.put_object("bkt", "k", body(os.urandom(BIG)))
            await engine.delete_object("bkt", "k")
            data = b"".join([d async for d in opened.iter_range(0, BIG)])
        assert data == first
        self.assert_clean(engine)

    # -- versions and delete markers -------------------------------------------------------
    @asynctest
    async def test_versioning_and_delete_markers(self, engine: Engine) -> None:
        await engine.put_object("bkt", "k", body(b"v0"))  # the null version
        await engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled"))
        v1 = await engine.put_object("bkt", "k", body(b"v1"))
        v2 = await engine.put_object("bkt", "k", body(os.urandom(BIG)))
        out = await engine.delete_object("bkt", "k")
        assert out.delete_marker and out.version_id not in (None, "null")
        raw = self.raw_versions(engine, "bkt", "k")
        assert [(r.version_id, r.is_latest, r.delete_marker) for r in raw] == [
            (out.version_id, True, True),
            (v2.version_id, False, False),
            (v1.version_id, False, False),
            ("null", False, False),
        ]
        assert [r.seq for r in raw] == sorted((r.seq for r in raw), reverse=True)
        with pytest.raises(EngineError) as info:
            engine.get_object("bkt", "k")
        assert (info.value.code, info.value.details["delete_marker"]) == ("NoSuchKey", "true")
        assert engine.get_object("bkt", "k", out.version_id).delete_marker
        # Removing the marker makes the newest version current again.
        await engine.delete_object("bkt", "k", out.version_id)
        assert engine.get_object("bkt", "k").version_id == v2.version_id
        assert [r.is_latest for r in self.raw_versions(engine, "bkt", "k")] == [True, False, False]
        # Deleting a version's data releases its file.
        await engine.delete_object("bkt", "k", v2.version_id)
        assert engine.get_object("bkt", "k").version_id == v1.version_id
        assert self.raw_usage(engine, "bkt") == RawUsage(4, 2, 0)
        self.assert_clean(engine)

    @asynctest
    async def test_suspended_versioning_replaces_the_null_version(self, engine: Engine) -> None:
        await engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled"))
        kept = await engine.put_object("bkt", "k", body(b"kept"))
        await engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Suspended"))
        await engine.put_object("bkt", "k", body(os.urandom(BIG)))
        await engine.put_object("bkt", "k", body(b"null-2"))
        out = await engine.delete_object("bkt", "k")
        assert (out.version_id, out.delete_marker) == ("null", True)
        raw = self.raw_versions(engine, "bkt", "k")
        assert [(r.version_id, r.delete_marker) for r in raw] == [
            ("null", True),
            (kept.version_id, False),
        ]
        self.assert_clean(engine)

    @asynctest
    async def test_listings(self, engine: Engine) -> None:
        for key in ["a", "a/1", "a/2", "b", "c/x/y", "c/z", "d"]:
            await engine.put_object("bkt", key, body(b"x"))
        page = engine.list_objects("bkt", delimiter="/", max_keys=2)
        assert ([e.key for e in page.entries], page.common_prefixes) == (["a"], ["a/"])
        assert page.is_truncated and page.next_key == "a/"
        page = engine.list_objects("bkt", delimiter="/", marker=page.next_key)
        assert ([e.key for e in page.entries], page.common_prefixes) == (["b", "d"], ["c/"])
        await engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled"))
        await engine.delete_object("bkt", "b")
        assert "b" not in [e.key for e in engine.list_objects("bkt").entries]
        versions = engine.list_versions("bkt", prefix="b")
        assert [(e.key, e.delete_marker, e.is_latest) for e in versions.entries] == [
            ("b", True, True),
            ("b", False, False),
        ]

    # -- conditional writes -----------------------------------------------------------------
    @asynctest
    async def test_conditional_writes(self, engine: Engine) -> None:
        first = await engine.put_object("bkt", "k", body(b"one"))
        only_new = WriteConditions(if_none_match="*")
        with pytest.raises(EngineError, match="PreconditionFailed"):
            await engine.put_object("bkt", "k", body(os.urandom(BIG)), cond=only_new)
        with pytest.raises(EngineError, match="PreconditionFailed"):
            await engine.put_object("bkt", "k", body(b"x"), cond=WriteConditions(if_match="0" * 32))
        with pytest.raises(EngineError, match="NoSuchKey"):
            await engine.put_object("bkt", "nope", body(b"x"), cond=WriteConditions(if_match="*"))
        await engine.put_object("bkt", "k", body(b"two"), cond=WriteConditions(if_match=first.etag))
        assert [r.inline for r in self.raw_versions(engine, "bkt", "k")] == [b"two"]
        self.assert_clean(engine)

    @asynctest
    async def test_racing_create_only_writes_one_wins(self, engine: Engine) -> None:
        bodies = [os.urandom(BIG + i) for i in range(6)]
        results = await asyncio.gather(
            *(
                engine.put_object("bkt", "once", body(b), cond=WriteConditions(if_none_match="*"))
                for b in bodies
            ),
            return_exceptions=True,
        )
        won = [r for r in results if not isinstance(r, BaseException)]
        assert len(won) == 1
        assert all(
            isinstance(r, EngineError) and r.code == "PreconditionFailed"
            for r in results
            if r not in won
        )
        (raw,) = self.raw_versions(engine, "bkt", "once")
        assert self.file_bytes(engine, raw.files[0]) == bodies[results.index(won[0])]
        self.assert_clean(engine)

    # -- quotas -------------------------------------------------------------------------------
    @asynctest
    async def test_quota_holds_under_concurrency(self, engine: Engine) -> None:
        await engine.update_bucket("bkt", lambda b: setattr(b, "quota", 3 * BIG))
        results = await asyncio.gather(
            *(engine.put_object("bkt", f"q{i}", body(os.urandom(BIG))) for i in range(8)),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, EngineError)]
        assert len(refused) == 5 and {r.code for r in refused} == {"QuotaExceeded"}
        assert self.raw_usage(engine, "bkt") == RawUsage(3 * BIG, 3, 0)
        bucket = engine.get_bucket("bkt")
        with pytest.raises(EngineError, match="QuotaExceeded"):
            engine.check_room(bucket, "new", 1)
        stored = [f"q{i}" for i, r in enumerate(results) if not isinstance(r, EngineError)]
        engine.check_room(bucket, stored[0], BIG)  # an overwrite frees its old bytes
        self.assert_clean(engine)

    @asynctest
    async def test_incomplete_uploads_count_against_the_quota(self, engine: Engine) -> None:
        part = 900 * 1024
        await engine.update_bucket("bkt", lambda b: setattr(b, "quota", 2 * part + 10))
        up = await engine.create_upload("bkt", "mp", {})
        stored = []
        for n in (1, 2):
            stored.append(
                await engine.upload_part("bkt", "mp", up.upload_id, n, body(os.urandom(part)))
            )
        assert self.raw_usage(engine, "bkt") == RawUsage(0, 0, 2 * part)
        with pytest.raises(EngineError, match="QuotaExceeded"):
            await engine.upload_part("bkt", "mp", up.upload_id, 3, body(os.urandom(part)))
        with pytest.raises(EngineError, match="QuotaExceeded"):  # other writes see them too
            await engine.put_object("bkt", "k", body(os.urandom(part)))
        with pytest.raises(EngineError, match="QuotaExceeded"):
            engine.check_room(engine.get_bucket("bkt"), "k", part)
        # Replacing a part frees the old one first.
        stored[1] = await engine.upload_part("bkt", "mp", up.upload_id, 2, body(os.urandom(part)))
        assert self.raw_usage(engine, "bkt") == RawUsage(0, 0, 2 * part)
        # Completing turns the chosen parts into object bytes, the others are released.
        obj, _ = await engine.complete_upload(
            "bkt",
            "mp",
            up.upload_id,
            [CompletedPart(2, stored[1].etag, {})],
            lambda ps: "e-1",
            lambda u, ps: {},
        )
        assert self.raw_usage(engine, "bkt") == RawUsage(part, 1, 0)
        # Aborting releases every part.
        up2 = await engine.create_upload("bkt", "mp2", {})
        await engine.upload_part("bkt", "mp2", up2.upload_id, 1, body(os.urandom(part)))
        assert self.raw_usage(engine, "bkt") == RawUsage(part, 1, part)
        await engine.abort_upload("bkt", "mp2", up2.upload_id)
        assert self.raw_usage(engine, "bkt") == RawUsage(part, 1, 0)
        self.assert_clean(engine)

    # -- multipart ---------------------------------------------------------------------------
    @asynctest
    async def test_multipart_completes_without_copying(self, engine: Engine) -> None:
        up = await engine.create_upload("bkt", "mp", {"meta": {"m": "1"}, "tags": {"t": "2"}})
        parts = [os.urandom(5 * MIB), os.urandom(1000), os.urandom(2000)]
        stored = [
            await engine.upload_part("bkt", "mp", up.upload_id, n, body(p))
            for n, p in enumerate(parts, start=1)
        ]
        part_files = [p.file for p in engine.list_parts(up.upload_id)]
        assert all(part_files) and self.disk_files(engine) == set(part_files)
        chosen = [CompletedPart(1, stored[0].etag, {}), CompletedPart(3, stored[2].etag, {})]
        obj, upload = await engine.complete_upload(
            "bkt",
            "mp",
            up.upload_id,
            chosen,
            lambda ps: multipart_etag([parts[p.number - 1] for p in ps]),
            lambda u, ps: {},
        )
        assert obj.etag == multipart_etag([parts[0], parts[2]]) and obj.parts == [5 * MIB, 2000]
        (raw,) = self.raw_versions(engine, "bkt", "mp")
        assert raw.files == (part_files[0], part_files[2])  # the parts' own files
        assert self.disk_files(engine) == set(raw.files)  # the unchosen part is gone
        assert await self.read(engine, "mp") == parts[0] + parts[2]
        got = engine.get_object("bkt", "mp")
        assert (got.meta, got.tags) == ({"m": "1"}, {"t": "2"})
        with pytest.raises(EngineError, match="NoSuchUpload"):
            engine.get_upload("bkt", "mp", up.upload_id)
        self.assert_clean(engine)

    @asynctest
    async def test_multipart_refusals_and_abort(self, engine: Engine) -> None:
        up = await engine.create_upload("bkt", "m", {})
        etags = [
            (await engine.upload_part("bkt", "m", up.upload_id, n, body(bytes([n]) * 10))).etag
            for n in (1, 2)
        ]

        async def complete(parts: list[CompletedPart]) -> None:
            await engine.complete_upload(
                "bkt", "m", up.upload_id, parts, lambda ps: "e-2", lambda u, ps: {}
            )

        with pytest.raises(EngineError, match="InvalidPartOrder"):
            await complete([CompletedPart(2, etags[1], {}), CompletedPart(1, etags[0], {})])
        with pytest.raises(EngineError, match="InvalidPart"):
            await complete([CompletedPart(1, "wrong", {})])
        with pytest.raises(EngineError, match="EntityTooSmall"):
            await complete([CompletedPart(1, etags[0], {}), CompletedPart(2, etags[1], {})])
        assert len(self.disk_files(engine)) == 2
        await engine.upload_part("bkt", "m", up.upload_id, 2, body(b"replaced"))
        assert len(self.disk_files(engine)) == 2  # the replaced part's file is gone
        await engine.abort_upload("bkt", "m", up.upload_id)
        assert self.disk_files(engine) == set()
        assert engine.list_uploads("bkt") == []
        with pytest.raises(EngineError, match="NoSuchUpload"):
            await engine.abort_upload("bkt", "m", up.upload_id)
        self.assert_clean(engine)

    # -- copies ---------------------------------------------------------------------------------
    @asynctest
    async def test_copy_links_the_source_files(self, engine: Engine) -> None:
        data = os.urandom(BIG)
        src = await engine.put_object("bkt", "src", body(data), tags={"t": "1"})
        with engine.open_object("bkt", "src") as opened:
            copy = await engine.copy_object(opened, "bkt", "dst", meta={"n": "2"}, tags={})
        assert (copy.etag, copy.checksums, copy.size) == (src.etag, src.checksums, BIG)
        (s,), (d,) = (
            self.raw_versions(engine, "bkt", "src"),
            self.raw_versions(engine, "bkt", "dst"),
        )
        assert s.files != d.files
        src_stat = engine.files.path(s.files[0]).stat()
        assert src_stat.st_ino == engine.files.path(d.files[0]).stat().st_ino  # no bytes moved
        assert await self.read(engine, "dst") == data
        assert engine.get_object("bkt", "dst").meta == {"n": "2"}
        await engine.delete_object("bkt", "src")
        assert await self.read(engine, "dst") == data
        assert self.raw_usage(engine, "bkt") == RawUsage(BIG, 1, 0)
        self.assert_clean(engine)

    @asynctest
    async def test_copy_of_a_source_overwritten_after_it_was_opened(self, engine: Engine) -> None:
        old = os.urandom(BIG)
        await engine.put_object("bkt", "src", body(old))
        with engine.open_object("bkt", "src") as opened:
            # The opened version's file is released and removed before the copy links it.
            await engine.put_object("bkt", "src", body(os.urandom(BIG)))
            copy = await engine.copy_object(opened, "bkt", "dst", meta={}, tags={})
        assert copy.etag == md5(old)
        assert await self.read(engine, "dst") == old
        self.assert_clean(engine)

    @asynctest
    async def test_copies_of_inline_objects_and_ranges(self, engine: Engine) -> None:
        await engine.put_object("bkt", "tiny", body(b"0123456789"))
        with engine.open_object("bkt", "tiny") as opened:
            await engine.copy_object(opened, "bkt", "tiny2", meta={}, tags={})
        assert [r.inline for r in self.raw_versions(engine, "bkt", "tiny2")] == [b"0123456789"]
        data = os.urandom(BIG)
        await engine.put_object("bkt", "src", body(data))
        up = await engine.create_upload("bkt", "mp", {})
        with engine.open_object("bkt", "src") as opened:
            part = await engine.upload_part_copy(opened, 100, 5000, "bkt", "mp", up.upload_id, 1)
        with engine.open_object("bkt", "tiny") as opened:
            await engine.upload_part_copy(opened, 2, 3, "bkt", "mp", up.upload_id, 2)
        assert (part.etag, part.size) == (md5(data[100:5100]), 5000)
        assert self.file_bytes(engine, part.file or "") == data[100:5100]
        self.assert_clean(engine)

    # -- durability: what is fsynced before the commit ----------------------------------------
    def record_syncs(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> list[tuple[str, str]]:
        """Record (in order) every fsync/fdatasync (by path), rename and link target,
        and each index transaction as it runs (``("commit", "")``)."""
        events: list[tuple[str, str]] = []
        real = {name: getattr(os, name) for name in ("fsync", "fdatasync", "rename", "link")}

        def by_fd(name: str) -> Any:
            def call(fd: int) -> None:
                events.append((name, os.readlink(f"/proc/self/fd/{fd}")))
                real[name](fd)

            return call

        def by_path(name: str) -> Any:
            def call(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
                real[name](src, dst, *args, **kwargs)
                events.append((name, str(dst)))

            return call

        for name in ("fsync", "fdatasync"):
            monkeypatch.setattr(os, name, by_fd(name))
        for name in ("rename", "link"):
            monkeypatch.setattr(os, name, by_path(name))
        submit = engine.committer.submit

        def traced(fn: Any) -> Any:
            def run(conn: Any) -> Any:
                events.append(("commit", ""))
                return fn(conn)

            return submit(run)

        monkeypatch.setattr(engine.committer, "submit", traced)
        return events

    @staticmethod
    def synced_before_commit(events: list[tuple[str, str]], op: str, path: str) -> bool:
        """``path`` appeared by ``op`` and its directory was fsynced before the commit."""
        at = events.index((op, path))
        parent = str(Path(path).parent)
        commit = events.index(("commit", ""), at)
        return ("fsync", parent) in events[at:commit]

    @asynctest
    async def test_publish_and_copy_are_durable_before_the_commit(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        events = self.record_syncs(engine, monkeypatch)
        await engine.put_object("bkt", "src", body(os.urandom(BIG)))
        (src,) = self.raw_versions(engine, "bkt", "src")
        published = str(engine.files.path(src.files[0]))
        renamed = events.index(("rename", published))
        assert any(op == "fdatasync" and p.endswith(".part") for op, p in events[:renamed])
        assert self.synced_before_commit(events, "rename", published)
        events.clear()
        with engine.open_object("bkt", "src") as opened:
            await engine.copy_object(opened, "bkt", "dst", meta={}, tags={})
        (dst,) = self.raw_versions(engine, "bkt", "dst")
        assert self.synced_before_commit(events, "link", str(engine.files.path(dst.files[0])))

    # -- bulk deletes, annotations, buckets ------------------------------------------------------
    @asynctest
    async def test_delete_objects_reports_each_item(self, engine: Engine) -> None:
        for key in ("a", "b"):
            await engine.put_object("bkt", key, body(os.urandom(BIG)))
        outcomes = await engine.delete_objects("bkt", [("a", None), ("b", "no-such"), ("c", None)])
        assert len(outcomes) == 3 and not any(isinstance(o, EngineError) for o in outcomes)
        assert self.raw_versions(engine, "bkt", "a") == []
        assert len(self.raw_versions(engine, "bkt", "b")) == 1
        self.assert_clean(engine)

    @asynctest
    async def test_tags_and_metadata_change_in_place(self, engine: Engine) -> None:
        obj = await engine.put_object("bkt", "k", body(b"x"), meta={"acl": "public-read"})
        await engine.update_tags("bkt", "k", None, {"a": "b"})
        changed = await engine.update_meta("bkt", "k", None, {"acl": None}, expect_etag=obj.etag)
        assert changed is not None
        assert await engine.update_meta("bkt", "k", None, {"acl": "x"}, expect_etag="0") is None
        got = engine.get_object("bkt", "k")
        assert (got.tags, got.meta, got.version_id) == ({"a": "b"}, {}, obj.version_id)
        assert len(self.raw_versions(engine, "bkt", "k")) == 1

    @asynctest
    async def test_buckets(self, engine: Engine) -> None:
        with pytest.raises(EngineError, match="BucketAlreadyOwnedByYou"):
            await engine.create_bucket("bkt", "root")
        with pytest.raises(EngineError, match="BucketAlreadyExists"):
            await engine.create_bucket("bkt", "someone")
        await engine.put_object("bkt", "k", body(b"x"))
        with pytest.raises(EngineError, match="BucketNotEmpty"):
            await engine.delete_bucket("bkt")
        await engine.create_bucket("other", "root", {"acl": "public-read"})
        up = await engine.create_upload("other", "m", {})
        await engine.upload_part("other", "m", up.upload_id, 1, body(b"part"))
        await engine.delete_bucket("other")  # its incomplete uploads go with it
        assert [b.name for b in engine.list_buckets()] == ["bkt"]
        with pytest.raises(EngineError, match="NoSuchBucket"):
            engine.get_bucket("other")

        def refuse(bucket: object) -> None:
            raise EngineError("InvalidBucketState")

        with pytest.raises(EngineError, match="InvalidBucketState"):
            await engine.update_bucket("bkt", refuse)
        self.assert_clean(engine)

    # -- scrub --------------------------------------------------------------------------------
    def damage_file(self, engine: Engine, key: str, how: str) -> None:
        (raw,) = self.raw_versions(engine, "bkt", key)[:1]
        path = engine.files.path(raw.files[-1])
        if how == "flip":
            with open(path, "r+b") as fh:
                fh.seek(1000)
                byte = fh.read(1)
                fh.seek(1000)
                fh.write(bytes([byte[0] ^ 0x01]))
        elif how == "truncate":
            os.truncate(path, 1000)
        else:
            path.unlink()

    @asynctest
    async def test_scrub_finds_bitrot_truncation_and_missing_files(self, engine: Engine) -> None:
        for key in ("flipped", "short", "gone", "fine"):
            await engine.put_object("bkt", key, body(os.urandom(BIG)))
        await engine.put_object("bkt", "inline", body(b"small"))
        up = await engine.create_upload("bkt", "mp", {})
        parts = [os.urandom(5 * MIB), os.urandom(BIG)]
        done = [
            await engine.upload_part("bkt", "mp", up.upload_id, n + 1, body(p))
            for n, p in enumerate(parts)
        ]
        await engine.complete_upload(
            "bkt",
            "mp",
            up.upload_id,
            [CompletedPart(n + 1, d.etag, {}) for n, d in enumerate(done)],
            lambda ps: multipart_etag(parts),
            lambda u, ps: {},
        )
        pending = await engine.create_upload("bkt", "pending", {})
        part = await engine.upload_part(
            "bkt", "pending", pending.upload_id, 1, body(os.urandom(BIG))
        )
        assert (await engine.scrub()).damaged == []
        self.damage_file(engine, "flipped", "flip")
        self.damage_file(engine, "short", "truncate")
        self.damage_file(engine, "gone", "unlink")
        self.damage_file(engine, "mp", "flip")  # its last part's file
        with open(engine.files.path(part.file or ""), "r+b") as fh:
            fh.write(b"X")
        report = await engine.scrub()
        found = {(d.key, d.problem) for d in report.damaged}
        assert found == {
            ("flipped", "bitrot"),
            ("short", "truncated"),
            ("gone", "missing"),
            ("mp", "bitrot"),
            ("pending", "bitrot"),
        }
        assert (report.versions, report.parts) == (6, 1)
        assert all(d.good_copy is None and not d.repaired for d in report.damaged)
        only = await engine.scrub("bkt")
        assert len(only.damaged) == 5
        with pytest.raises(EngineError, match="NoSuchBucket"):
            await engine.scrub("nope")

    @asynctest
    async def test_scrub_names_a_good_copy_and_repairs_from_it(self, engine: Engine) -> None:
        await engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled"))
        data = os.urandom(BIG)
        good = await engine.put_object("bkt", "k", body(data))
        bad = await engine.put_object("bkt", "k", body(data))  # same bytes, its own file
        self.damage_file(engine, "k", "flip")  # the newest version's file
        (damage,) = (await engine.scrub()).damaged
        assert (damage.version_id, damage.problem, damage.good_copy) == (
            bad.version_id,
            "bitrot",
            good.version_id,
        )
        (fixed,) = (await engine.scrub(repair=True)).damaged
        assert fixed.repaired
        assert (await engine.scrub()).damaged == []
        assert await self.read(engine, "k") == data
        newest, oldest = self.raw_versions(engine, "bkt", "k")
        assert newest.files != oldest.files  # a new link, not the good copy's own name
        assert (
            engine.files.path(newest.files[0]).stat().st_ino
            == engine.files.path(oldest.files[0]).stat().st_ino
        )
        self.assert_clean(engine)

    # -- recovery --------------------------------------------------------------------------------
    def test_recovery_removes_temp_files_and_orphans(self, engine: Engine, tmp_path: Path) -> None:
        kept = asyncio.run(engine.put_object("bkt", "kept", body(os.urandom(BIG))))
        temp = engine.files.new_temp()
        temp.write(b"partial")
        orphan = engine.files.path("00/00/" + "0" * 32)
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"published, never committed")
        os.utime(orphan, (1, 1))
        engine.close(clean=False)
        time.sleep(0.1)  # the sweep spares files touched within 50 ms of its start
        again = self.open_engine(engine.root)
        report = again.recover()
        assert (report.temp_removed, report.orphans_removed) == (1, 1)
        assert not orphan.exists()
        assert again.get_object("bkt", "kept").etag == kept.etag
        self.assert_clean(again)

    # -- crash points ------------------------------------------------------------------------------
    def crash(self, root: Path, key: str, size: int, point: str) -> None:
        """A process opens the engine at ``root``, writes ``size`` bytes to ``key`` and is
        killed with SIGKILL at ``point``; returns once it is dead."""
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(target=_write_and_die, args=(type(self), root, key, size, point))
        proc.start()
        proc.join(60)
        assert proc.exitcode == -signal.SIGKILL
        time.sleep(0.1)  # a restart takes longer than the sweep's 50 ms clock margin

    @pytest.mark.parametrize("point", ["mid-body", "after-publish", "after-commit", "after-answer"])
    def test_crash_points(self, engine: Engine, point: str) -> None:
        old = os.urandom(BIG)
        asyncio.run(engine.put_object("bkt", "k", body(old)))
        engine.close(clean=True)
        self.crash(engine.root, "k", 2 * MIB, point)
        again = self.open_engine(engine.root)
        again.recover()
        got = asyncio.run(self.read(again, "k"))
        if point in ("mid-body", "after-publish"):
            assert got == old  # not committed: the old version, whole
        else:
            assert got == _crash_body(2 * MIB)  # committed: survives the kill
        assert len(self.raw_versions(again, "bkt", "k")) == 1
        self.assert_clean(again)


def _crash_body(size: int) -> bytes:
    return bytes(range(256)) * (size // 256)


def _write_and_die(cls: type[EngineTests], root: Path, key: str, size: int, point: str) -> None:
    if point in ("after-publish", "after-commit"):
        os.environ["GRENIER_TEST_KILL_POINT"] = f"{point}:{key}"  # the engine's own points
    engine = cls().open_engine(root)
    engine.recover()  # as a server does when it starts (the stop before was clean)
    data = _crash_body(size)

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, size, MIB):
            if point == "mid-body" and i >= MIB:
                os.kill(os.getpid(), signal.SIGKILL)
            yield data[i : i + MIB]

    async def write() -> None:
        hasher = Hasher()
        await engine.put_object("bkt", key, Body(pieces(), hasher, dict))
        os.kill(os.getpid(), signal.SIGKILL)  # acknowledged, then killed

    asyncio.run(write())
