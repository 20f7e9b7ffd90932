"""The storage engine without HTTP: versions, listing by seeks, multipart, recovery."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from grenier.engine import (
    Engine,
    EngineConfig,
    EngineError,
    NewObject,
    Segment,
    Staged,
    multipart,
    objects,
)
from grenier.engine.files import rel_path


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = Engine(tmp_path / "data", EngineConfig(durable=False))
    eng.recover()
    eng.submit(eng.txn_create_bucket("bkt", "root")).result()
    return eng


def put(engine: Engine, key: str, data: bytes = b"x", bucket: str = "bkt") -> objects.ObjectVersion:
    staged = Staged(size=len(data), md5_hex=f"md5-{data.decode()}", inline=data)
    return engine.submit(
        lambda c: objects.txn_put(c, bucket, key, staged, [], NewObject())
    ).result()


def put_file(engine: Engine, key: str, data: bytes) -> objects.ObjectVersion:
    temp = engine.files.new_temp()
    temp.write(data)
    rel = temp.finish()
    staged = Staged(size=len(data), md5_hex="m", file=rel)
    return engine.submit(
        lambda c: objects.txn_put(c, "bkt", key, staged, [Segment(rel, len(data))], NewObject())
    ).result()


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
    conn = engine.writer
    conn.execute("BEGIN")
    for i in range(5000):
        objects.txn_put(conn, "bkt", f"big/{i:06d}", Staged(1, "m", inline=b"x"), [], NewObject())
    conn.execute("COMMIT")
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
    engine.submit(
        engine.txn_set_bucket("bkt", lambda b: setattr(b, "versioning", "Enabled"))
    ).result()
    v2 = put(engine, "k", b"2")
    assert v2.version_id != "null"
    out = engine.submit(lambda c: objects.txn_delete(c, "bkt", "k")).result()
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
    engine.submit(lambda c: objects.txn_delete(c, "bkt", "k", out.version_id)).result()
    assert engine.get_object("bkt", "k").inline == b"2"


def test_quota_is_enforced_in_the_transaction(engine: Engine) -> None:
    engine.submit(engine.txn_set_bucket("bkt", lambda b: setattr(b, "quota", 10))).result()
    put(engine, "a", b"12345")
    with pytest.raises(EngineError) as info:
        put(engine, "b", b"1234567")
    assert info.value.code == "QuotaExceeded"
    put(engine, "a", b"1234567890")  # an overwrite frees the old bytes first
    assert engine.get_bucket("bkt").size == 10


def test_overwrite_releases_the_old_file(engine: Engine) -> None:
    first = put_file(engine, "f", b"a" * 200_000)
    old = engine.data_path(first.segments[0].file)
    assert old.exists()
    put_file(engine, "f", b"b" * 200_000)
    engine.collect_garbage()
    assert not old.exists()


def test_multipart_checks(engine: Engine) -> None:
    up = engine.submit(lambda c: multipart.txn_create(c, "bkt", "m", {}, None, None)).result()
    for n, size in ((1, 10), (2, 10)):
        staged = Staged(size=size, md5_hex=f"e{n}", inline=None, file=None)
        engine.submit(
            lambda c, n=n, s=staged: multipart.txn_put_part(c, "bkt", "m", up.upload_id, n, s)
        ).result()

    def complete(parts: list[multipart.CompletedPart]) -> None:
        engine.submit(
            lambda c: multipart.txn_complete(
                c, "bkt", "m", up.upload_id, parts, lambda ch: "etag", lambda u, ch: {}, None
            )
        ).result()

    with pytest.raises(EngineError, match="InvalidPartOrder"):
        complete([multipart.CompletedPart(2, "e2", {}), multipart.CompletedPart(1, "e1", {})])
    with pytest.raises(EngineError, match="InvalidPart"):
        complete([multipart.CompletedPart(1, "wrong", {})])
    with pytest.raises(EngineError, match="EntityTooSmall"):
        complete([multipart.CompletedPart(1, "e1", {}), multipart.CompletedPart(2, "e2", {})])
    complete([multipart.CompletedPart(2, "e2", {})])
    assert engine.get_object("bkt", "m").size == 10


def test_recovery_removes_temp_and_orphans(tmp_path: Path) -> None:
    eng = Engine(tmp_path / "d", EngineConfig(durable=False))
    eng.recover()
    temp = eng.files.new_temp()
    temp.write(b"partial")
    orphan = eng.data_path(rel_path("0" * 32))
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
