"""Durability: what is fsynced before a commit, crash points, recovery, scrub."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from grenier.engine import Body, CompletedPart, Engine, EngineError
from tests.engine.conformance.base import BIG, EngineBaseTests
from tests.engine.helpers import MIB, Hasher, asynctest, body, multipart_etag


class DurabilityTests(EngineBaseTests):
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


def _write_and_die(cls: type[EngineBaseTests], root: Path, key: str, size: int, point: str) -> None:
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
