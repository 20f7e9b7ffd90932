"""The storage engine without HTTP: versions, listing by seeks, multipart, recovery."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from grenier.engine import (
    Body,
    CompletedPart,
    Engine,
    EngineConfig,
    EngineError,
    ObjectVersion,
)

T = TypeVar("T")


class Hasher:
    def __init__(self) -> None:
        self.md5 = hashlib.md5()

    def update_md5(self, data: bytes) -> None:
        self.md5.update(data)

    def update_other(self, data: bytes) -> None:
        pass

    @property
    def md5_hex(self) -> str:
        return self.md5.hexdigest()


def body(data: bytes) -> Body:
    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1 << 20):
            yield data[i : i + (1 << 20)]

    return Body(pieces=pieces(), hasher=Hasher(), verify=dict)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = Engine(tmp_path / "data", EngineConfig(durable=False))
    eng.recover()
    run(eng.create_bucket("bkt", "root"))
    return eng


def put(engine: Engine, key: str, data: bytes = b"x", bucket: str = "bkt") -> ObjectVersion:
    return run(engine.put_object(bucket, key, body(data)))


def keys(page) -> tuple[list[str], list[str]]:  # noqa: ANN001
    return [e.key for e in page.entries], page.common_prefixes


def test_listing_with_delimiter_and_markers(engine: Engine) -> None:
    for key in ["a", "a/1", "a/2", "b", "c/x/y", "c/z", "d"]:
        put(engine, key)
    assert keys(engine.list_objects("bkt", delimiter="/")) == (["a", "b", "d"], ["a/", "c/"])
    page = engine.list_objects("bkt", delimiter="/", max_keys=2)
    assert keys(page) == (["a"], ["a/"]) and page.is_truncated and page.next_key == "a/"
    page = engine.list_objects("bkt", delimiter="/", max_keys=2, marker="a/")
    assert keys(page) == (["b"], ["c/"]) and page.next_key == "c/"
    page = engine.list_objects("bkt", delimiter="/", marker="c/")
    assert keys(page) == (["d"], []) and not page.is_truncated
    assert keys(engine.list_objects("bkt", prefix="c/", delimiter="/")) == (["c/z"], ["c/x/"])


def test_delimiter_group_is_one_seek(engine: Engine) -> None:
    async def many() -> None:
        await asyncio.gather(
            *(engine.put_object("bkt", f"big/{i:06d}", body(b"x")) for i in range(5000))
        )

    run(many())
    put(engine, "zzz")
    steps = 0

    def count(*_args: object) -> int:
        nonlocal steps
        steps += 1
        return 0

    engine.reader.set_progress_handler(count, 1000)
    page = engine.list_objects("bkt", delimiter="/")
    engine.reader.set_progress_handler(None, 0)
    assert keys(page) == (["zzz"], ["big/"])
    assert steps < 20  # a walk over 5,000 index entries would take hundreds of steps


def test_versioning_rules(engine: Engine) -> None:
    put(engine, "k", b"1")
    run(engine.update_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled")))
    v2 = put(engine, "k", b"2")
    assert v2.version_id != "null"
    out = run(engine.delete_object("bkt", "k"))
    assert out.delete_marker
    with pytest.raises(EngineError) as info:
        engine.get_object("bkt", "k")
    assert info.value.details["delete_marker"] == "true"
    versions = engine.list_versions("bkt").entries
    assert [(v.version_id == "null", v.delete_marker, v.is_latest) for v in versions] == [
        (False, True, True),
        (False, False, False),
        (True, False, False),
    ]
    run(engine.delete_object("bkt", "k", out.version_id))
    assert engine.get_object("bkt", "k").inline == b"2"


def test_quota_is_enforced_in_the_transaction(engine: Engine) -> None:
    run(engine.update_bucket("bkt", lambda b: setattr(b, "quota", 10)))
    put(engine, "a", b"12345")
    with pytest.raises(EngineError) as info:
        put(engine, "b", b"1234567")
    assert info.value.code == "QuotaExceeded"
    put(engine, "a", b"1234567890")  # an overwrite frees the old bytes first
    assert engine.get_bucket("bkt").size == 10


def test_overwrite_releases_the_old_file(engine: Engine) -> None:
    first = put(engine, "f", b"a" * 200_000)
    old = engine.files.path(first.segments[0].file)
    assert old.exists()
    put(engine, "f", b"b" * 200_000)
    assert not old.exists()


def test_multipart_checks(engine: Engine) -> None:
    up = run(engine.create_upload("bkt", "m", {}))
    etags = [
        run(engine.upload_part("bkt", "m", up.upload_id, n, body(b"p" * 10 + bytes([n])))).etag
        for n in (1, 2)
    ]

    def complete(parts: list[CompletedPart]) -> None:
        run(
            engine.complete_upload(
                "bkt", "m", up.upload_id, parts, lambda ch: "etag", lambda u, ch: {}
            )
        )

    with pytest.raises(EngineError, match="InvalidPartOrder"):
        complete([CompletedPart(2, etags[1], {}), CompletedPart(1, etags[0], {})])
    with pytest.raises(EngineError, match="InvalidPart"):
        complete([CompletedPart(1, "wrong", {})])
    with pytest.raises(EngineError, match="EntityTooSmall"):
        complete([CompletedPart(1, etags[0], {}), CompletedPart(2, etags[1], {})])
    complete([CompletedPart(2, etags[1], {})])
    assert engine.get_object("bkt", "m").size == 11


def test_recovery_removes_temp_and_orphans(tmp_path: Path) -> None:
    eng = Engine(tmp_path / "d", EngineConfig(durable=False))
    eng.recover()
    temp = eng.files.new_temp()
    temp.write(b"partial")
    orphan = eng.files.path("00/00/" + "0" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"never committed")
    os.utime(orphan, (1, 1))
    eng.close(clean=False)
    eng2 = Engine(tmp_path / "d", EngineConfig(durable=False))
    report = eng2.recover()
    assert report.temp_removed == 1 and report.orphans_removed == 1
    assert not orphan.exists() and not list((tmp_path / "d" / "tmp").iterdir())
    conn = sqlite3.connect(tmp_path / "d" / "meta.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
