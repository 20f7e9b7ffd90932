"""Objects: writes and reads, versions and delete markers, conditional writes, quotas,
bulk deletes, annotations, buckets."""

from __future__ import annotations

import asyncio
import os

import pytest

from grenier.engine import CompletedPart, Engine, EngineError, WriteConditions
from tests.engine.conformance.base import BIG, EngineBaseTests, RawUsage
from tests.engine.helpers import MIB, asynctest, body, crc32_b64, md5


class ObjectTests(EngineBaseTests):
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
