"""Multipart uploads and copies."""

from __future__ import annotations

import os

import pytest

from grenier.engine import CompletedPart, Engine, EngineError
from tests.engine.conformance.base import BIG, EngineBaseTests, RawUsage
from tests.engine.helpers import MIB, asynctest, body, md5, multipart_etag


class UploadAndCopyTests(EngineBaseTests):
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
