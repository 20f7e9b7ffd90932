"""ls (plain, -r, --versions, --summarize), tree, du, find, stat, cat, head."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.cli.conftest import Cli


@pytest.fixture
def filled(s3c: Any, bkt: str) -> str:
    objects = {
        "a.txt": b"alpha\n",
        "data/x.zarr/.zattrs": b"{}",
        "data/x.zarr/t/0.0": os.urandom(2048),
        "data/x.zarr/t/0.1": os.urandom(4096),
        "data/readme.md": b"one\ntwo\nthree\nfour\n",
    }
    for key, body in objects.items():
        s3c.put_object(Bucket=bkt, Key=key, Body=body)
    return bkt


def test_ls_buckets_folders_and_recursive(cli: Cli, filled: str) -> None:
    buckets = cli.json("ls", "t")
    assert any(r["key"] == f"{filled}/" and r["type"] == "bucket" for r in buckets)
    top = cli.json("ls", f"t/{filled}")
    assert [(r["type"], r["key"]) for r in top] == [("folder", "data/"), ("file", "a.txt")]
    assert set(top[1]) >= {"status", "type", "key", "url", "size", "lastModified", "etag"}
    assert top[1]["size"] == 6 and top[1]["url"] == f"t/{filled}/a.txt"
    assert datetime.fromisoformat(top[1]["lastModified"]).tzinfo is not None
    inside = [r["key"] for r in cli.json("ls", f"t/{filled}/data")]
    assert inside == ["x.zarr/", "readme.md"]
    every = cli.json("ls", "-r", "--summarize", f"t/{filled}")
    assert [r["key"] for r in every[:-1]] == sorted(
        ["a.txt", "data/x.zarr/.zattrs", "data/x.zarr/t/0.0", "data/x.zarr/t/0.1", "data/readme.md"]
    )
    assert every[-1] == {
        "status": "success",
        "type": "summary",
        "totalSize": 6 + 2 + 2048 + 4096 + 19,
        "totalObjects": 5,
    }
    text = cli("ls", f"t/{filled}").ok().out
    assert "data/" in text and "a.txt" in text and "UTC]" in text


def test_ls_versions(cli: Cli, s3c: Any, bkt: str) -> None:
    s3c.put_bucket_versioning(Bucket=bkt, VersioningConfiguration={"Status": "Enabled"})
    s3c.put_object(Bucket=bkt, Key="v.txt", Body=b"one")
    s3c.put_object(Bucket=bkt, Key="v.txt", Body=b"two!")
    s3c.delete_object(Bucket=bkt, Key="v.txt")
    versions = cli.json("ls", "--versions", f"t/{bkt}")
    assert len(versions) == 3 and len({r["versionId"] for r in versions}) == 3
    assert sum(r["isDeleteMarker"] for r in versions) == 1
    assert sorted(r["size"] for r in versions if not r["isDeleteMarker"]) == [3, 4]
    assert cli.json("ls", f"t/{bkt}") == []


def test_tree_and_du(cli: Cli, any_s3: Any, filled: str) -> None:
    folders = cli("tree", f"t/{filled}").ok().out
    assert "data/" in folders and "x.zarr/" in folders and "a.txt" not in folders
    files = cli.json("tree", "-f", f"t/{filled}")
    assert {r["key"] for r in files} >= {"a.txt", "data/", "data/x.zarr/", "data/x.zarr/t/0.0"}
    shallow = cli.json("tree", "-d", "1", f"t/{filled}")
    assert [r["key"] for r in shallow] == ["data/"]
    [total] = cli.json("du", f"t/{filled}")
    method = "usage" if any_s3.name == "grenier" else "listing"  # Grenier's instant counters
    assert total == {
        "status": "success",
        "prefix": f"t/{filled}",
        "size": 6171,
        "objects": 5,
        "method": method,
    }
    deep = {
        r["prefix"]: (r["size"], r["objects"])
        for r in cli.json("du", "--depth", "3", f"t/{filled}")
    }
    assert deep[f"t/{filled}/data"] == (6165, 4) and deep[f"t/{filled}/data/x.zarr"] == (6146, 3)


def test_find_filters(cli: Cli, filled: str) -> None:
    def found(*flags: str) -> list[str]:
        return sorted(r["key"] for r in cli.json("find", f"t/{filled}", *flags))

    assert found("--name", "*.md") == [f"t/{filled}/data/readme.md"]
    assert found("--larger", "1KiB") == [
        f"t/{filled}/data/x.zarr/t/0.0",
        f"t/{filled}/data/x.zarr/t/0.1",
    ]
    assert found("--smaller", "10B") == [f"t/{filled}/a.txt", f"t/{filled}/data/x.zarr/.zattrs"]
    assert len(found("--newer-than", "1h")) == 5
    assert found("--older-than", "1d") == []
    assert found("--name", "0.*", "--larger", "3KiB") == [f"t/{filled}/data/x.zarr/t/0.1"]
    bad = cli("find", f"t/{filled}", "--older-than", "soon")
    assert bad.code == 1 and "invalid duration" in bad.err


def test_stat_cat_head(cli: Cli, filled: str) -> None:
    [info] = cli.json("stat", f"t/{filled}/data/readme.md")
    assert info["size"] == 19 and info["type"] == "file" and len(info["etag"]) == 32
    [bucket] = cli.json("stat", f"t/{filled}")
    assert bucket["type"] == "bucket"
    assert (
        cli("cat", f"t/{filled}/a.txt", f"t/{filled}/data/readme.md").ok().out
        == "alpha\none\ntwo\nthree\nfour\n"
    )
    assert cli("head", "-n", "2", f"t/{filled}/data/readme.md").ok().out == "one\ntwo\n"
    missing = cli("stat", f"t/{filled}/nope")
    assert missing.code == 1 and "no such object" in missing.err


def test_ls_local_folder(cli: Cli, tmp_path: Any) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("x")
    assert [r["key"] for r in cli.json("ls", str(tmp_path / "d"))] == ["f.txt"]
    assert "UTC" in cli("ls", str(tmp_path / "d")).ok().out
    assert datetime.now(UTC).year >= 2024
