"""The conformance suite on the embedded backend: SQLite index + data files."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grenier.engine import Engine, EngineConfig
from tests.engine.conformance import EngineTests, RawUsage, RawVersion
from tests.engine.helpers import asynctest, body


@contextmanager
def raw_index(engine: Engine) -> Iterator[sqlite3.Connection]:
    """The index file read directly, behind the engine's back."""
    conn = sqlite3.connect(f"file:{engine.root / 'meta.db'}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


class TestSqliteEngine(EngineTests):
    def open_engine(self, root: Path) -> Engine:
        return Engine(root, EngineConfig(durable=True))

    def raw_versions(self, engine: Engine, bucket: str, key: str) -> list[RawVersion]:
        with raw_index(engine) as conn:
            rows = conn.execute(
                "SELECT version_id, seq, is_latest, delete_marker, size, etag, segments, inline "
                "FROM objects WHERE bucket = ? AND key = ? ORDER BY seq DESC",
                (bucket, key.encode()),
            ).fetchall()
        return [
            RawVersion(
                vid,
                seq,
                bool(latest),
                bool(dm),
                size,
                etag,
                tuple(f for f, _ in json.loads(segs)),
                bytes(inline) if inline is not None else None,
            )
            for vid, seq, latest, dm, size, etag, segs, inline in rows
        ]

    def raw_referenced(self, engine: Engine) -> set[str]:
        with raw_index(engine) as conn:
            files: set[str] = set()
            for (segments,) in conn.execute("SELECT segments FROM objects"):
                files.update(f for f, _ in json.loads(segments))
            files.update(f for (f,) in conn.execute("SELECT file FROM parts WHERE file NOT NULL"))
        return files

    def raw_usage(self, engine: Engine, bucket: str) -> RawUsage:
        with raw_index(engine) as conn:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(buckets)")}
            pending = "uploading" if "uploading" in columns else "0"
            row = conn.execute(
                f"SELECT size, objects, {pending} FROM buckets WHERE name = ?", (bucket,)
            ).fetchone()
        return RawUsage(*row)

    def raw_rows_usage(self, engine: Engine, bucket: str) -> RawUsage:
        with raw_index(engine) as conn:
            size, count = conn.execute(
                "SELECT COALESCE(SUM(size), 0), COALESCE(SUM(1 - delete_marker), 0) "
                "FROM objects WHERE bucket = ?",
                (bucket,),
            ).fetchone()
            columns = {r[1] for r in conn.execute("PRAGMA table_info(buckets)")}
            parts = conn.execute(
                "SELECT COALESCE(SUM(p.size), 0) FROM parts p JOIN uploads u "
                "ON p.upload_id = u.upload_id WHERE u.bucket = ?",
                (bucket,),
            ).fetchone()[0]
        return RawUsage(size, count, parts if "uploading" in columns else 0)

    @asynctest
    async def test_delimiter_group_is_one_seek(self, engine: Engine) -> None:
        await asyncio.gather(
            *(engine.put_object("bkt", f"big/{i:06d}", body(b"x")) for i in range(5000))
        )
        await engine.put_object("bkt", "zzz", body(b"x"))
        steps = 0

        def count(*_args: object) -> int:
            nonlocal steps
            steps += 1
            return 0

        engine.reader.set_progress_handler(count, 1000)
        page = engine.list_objects("bkt", delimiter="/")
        engine.reader.set_progress_handler(None, 0)
        assert ([e.key for e in page.entries], page.common_prefixes) == (["zzz"], ["big/"])
        assert steps < 20  # a walk over 5,000 index entries would take hundreds of steps

    def test_a_version_1_index_is_migrated(self, engine: Engine) -> None:
        up = asyncio.run(engine.create_upload("bkt", "mp", {}))
        asyncio.run(engine.upload_part("bkt", "mp", up.upload_id, 1, body(b"p" * 5000)))
        engine.close()
        conn = sqlite3.connect(engine.root / "meta.db")
        conn.execute("ALTER TABLE buckets DROP COLUMN uploading")  # as version 1 made it
        conn.execute("UPDATE meta SET value = '1' WHERE name = 'schema_version'")
        conn.commit()
        conn.close()
        again = self.open_engine(engine.root)
        assert again.get_bucket("bkt").uploading == 5000
        with raw_index(again) as raw:
            assert raw.execute(
                "SELECT value FROM meta WHERE name = 'schema_version'"
            ).fetchone() == ("2",)
        self.assert_clean(again)
