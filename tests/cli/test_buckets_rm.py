"""mb, rb, rm (single, recursive, force, incomplete uploads, age filters, dry run)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.cli.conftest import Cli, keys


def test_mb_rb(cli: Cli, s3c: Any) -> None:
    name = f"cli-mb-{uuid.uuid4().hex[:10]}"
    [made] = cli.json("mb", f"t/{name}")
    assert made["created"] is True
    s3c.head_bucket(Bucket=name)
    again = cli("mb", f"t/{name}")
    assert again.code == 1 and "already exists" in again.err
    assert cli.json("mb", "-p", f"t/{name}")[0]["created"] is False
    s3c.put_object(Bucket=name, Key="k", Body=b"x")
    full = cli("rb", f"t/{name}")
    assert full.code == 1 and "not empty" in full.err
    [removed] = cli.json("rb", "--force", f"t/{name}")
    assert removed["objectsRemoved"] == 1
    assert name not in [b["Name"] for b in s3c.list_buckets()["Buckets"]]
    gone = cli("rb", f"t/{name}")
    assert gone.code == 1 and "no such bucket" in gone.err


def test_rm_single_and_recursive(cli: Cli, s3c: Any, bkt: str) -> None:
    for key in ["keep.txt", "dir/a", "dir/b", "dir/sub/c", "dirt"]:
        s3c.put_object(Bucket=bkt, Key=key, Body=b"x")
    cli("rm", f"t/{bkt}/keep.txt").ok()
    assert "keep.txt" not in keys(s3c, bkt)
    nope = cli("rm", f"t/{bkt}/keep.txt")
    assert nope.code == 1 and "no such object" in nope.err
    noforce = cli("rm", "-r", f"t/{bkt}/dir")
    assert noforce.code == 1 and "--force" in noforce.err
    dry = cli.json("rm", "-r", "--dry-run", f"t/{bkt}/dir")
    assert len(dry) == 3 and all(r["dryRun"] for r in dry) and len(keys(s3c, bkt)) == 4
    cli("rm", "-r", "--force", f"t/{bkt}/dir").ok()
    assert keys(s3c, bkt) == ["dirt"]


def test_rm_age_filters(cli: Cli, s3c: Any, bkt: str) -> None:
    for key in ["old/a", "old/b"]:
        s3c.put_object(Bucket=bkt, Key=key, Body=b"x")
    assert cli.json("rm", "-r", "--force", "--older-than", "7d", f"t/{bkt}/old") == []
    assert keys(s3c, bkt) == ["old/a", "old/b"]
    removed = cli.json("rm", "-r", "--force", "--newer-than", "1h", f"t/{bkt}/old")
    assert sorted(r["key"] for r in removed) == [f"t/{bkt}/old/a", f"t/{bkt}/old/b"]
    assert keys(s3c, bkt) == []


def test_rm_incomplete_uploads(cli: Cli, s3c: Any, bkt: str) -> None:
    up = s3c.create_multipart_upload(Bucket=bkt, Key="half/obj")["UploadId"]
    s3c.upload_part(Bucket=bkt, Key="half/obj", UploadId=up, PartNumber=1, Body=b"x" * 100)
    [removed] = cli.json("rm", "--incomplete", "-r", "--force", f"t/{bkt}/half/")
    assert removed["uploadId"] == up and removed["incomplete"] is True
    assert s3c.list_multipart_uploads(Bucket=bkt).get("Uploads", []) == []


def test_rm_needs_a_bucket(cli: Cli) -> None:
    run = cli("rm", "-r", "--force", "t")
    assert run.code == 1 and "bucket" in run.err
