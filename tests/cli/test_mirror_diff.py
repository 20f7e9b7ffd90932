"""mirror (new, unchanged, conflicts, --overwrite, --remove, --exclude, ages, --dry-run), diff."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tests.cli.conftest import Cli, keys, make_tree, read_tree


def test_mirror_up_then_nothing_then_conflict_then_overwrite(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    tree = make_tree(src, files=10)
    first = cli.json("mirror", str(src), f"t/{bkt}/m")
    assert first[-1]["files"] == 10 and keys(s3c, bkt) == sorted(f"m/{k}" for k in tree)
    again = cli.json("mirror", str(src), f"t/{bkt}/m")
    assert again == [again[-1]] and again[-1]["files"] == 0
    changed = next(iter(tree))
    (src / changed).write_bytes(b"changed and longer " * 20)
    conflict = cli("mirror", str(src), f"t/{bkt}/m")
    assert conflict.code == 1 and "--overwrite" in conflict.err
    cli("mirror", "--overwrite", str(src), f"t/{bkt}/m").ok()
    assert (
        s3c.get_object(Bucket=bkt, Key=f"m/{changed}")["Body"].read() == b"changed and longer " * 20
    )


def test_mirror_remove_exclude_dry_run(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_tree(src, files=6)
    (src / "skip.tmp").write_text("temporary")
    s3c.put_object(Bucket=bkt, Key="m/extra.bin", Body=b"extra")
    dry = cli.json("mirror", "--dry-run", "--remove", "--exclude", "*.tmp", str(src), f"t/{bkt}/m")
    assert {r["op"] for r in dry} == {"copy", "remove"} and all(r["dryRun"] for r in dry)
    assert keys(s3c, bkt) == ["m/extra.bin"]
    cli("mirror", "--remove", "--exclude", "*.tmp", str(src), f"t/{bkt}/m").ok()
    found = keys(s3c, bkt)
    assert "m/extra.bin" not in found and "m/skip.tmp" not in found and len(found) == 6


def test_mirror_age_filters_and_download(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    tree = make_tree(src, files=4)
    old = next(iter(tree))
    past = time.time() - 10 * 86400
    os.utime(src / old, (past, past))
    cli("mirror", "--newer-than", "1d", str(src), f"t/{bkt}").ok()
    assert keys(s3c, bkt) == sorted(k for k in tree if k != old)
    cli("mirror", "--older-than", "1d", str(src), f"t/{bkt}").ok()
    assert keys(s3c, bkt) == sorted(tree)
    cli("mirror", f"t/{bkt}", str(tmp_path / "back")).ok()
    assert read_tree(tmp_path / "back") == tree


def test_diff(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    local = tmp_path / "l"
    local.mkdir()
    (local / "same").write_bytes(b"same")
    (local / "only-local").write_bytes(b"l")
    (local / "size").write_bytes(b"short")
    s3c.put_object(Bucket=bkt, Key="same", Body=b"same")
    s3c.put_object(Bucket=bkt, Key="only-remote", Body=b"r")
    s3c.put_object(Bucket=bkt, Key="size", Body=b"much longer")
    records = cli.json("diff", str(local), f"t/{bkt}")
    kinds = {r["key"]: r["diff"] for r in records}
    assert kinds == {"only-local": "only-in-first", "only-remote": "only-in-second", "size": "size"}
    assert {r["second"] for r in records} >= {f"t/{bkt}/only-remote"}
    text = cli("diff", str(local), f"t/{bkt}").ok().out.splitlines()
    assert f"> t/{bkt}/only-remote" in text and f"< {local / 'only-local'}" in text
