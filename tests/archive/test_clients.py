"""rclone and s3fs list and download an archive bucket as users drive them: the listing is
the tree, the bytes are the files, and the ETag scheme (not an MD5, written ``<hex>-1``)
is accepted — rclone does not mistake it for an MD5, s3fs reads with it as If-Match."""

from __future__ import annotations

import json
from pathlib import Path

import s3fs

from tests.archive.conftest import BUCKET, storage_options
from tests.archive.tree import walk_keys
from tests.clients.tools import base_env, read_tree, require, run
from tests.servers import GrenierServer


def rclone_env(server: GrenierServer, home: Path) -> dict[str, str]:
    return base_env(
        home,
        RCLONE_CONFIG=str(home / "rclone.conf"),
        RCLONE_CONFIG_G_TYPE="s3",
        RCLONE_CONFIG_G_PROVIDER="Minio",
        RCLONE_CONFIG_G_ENDPOINT=server.endpoint,
        RCLONE_CONFIG_G_ACCESS_KEY_ID=server.access_key,
        RCLONE_CONFIG_G_SECRET_ACCESS_KEY=server.secret_key,
        RCLONE_CONFIG_G_REGION=server.region,
        RCLONE_CONFIG_G_FORCE_PATH_STYLE="true",
    )


def test_rclone_lists_and_downloads(
    archive_server: GrenierServer, archive_root: Path, tmp_path: Path
) -> None:
    exe = require("rclone")
    env = rclone_env(archive_server, tmp_path / "home")
    base = [exe, "--retries", "1", "--low-level-retries", "1"]
    expected = {
        k: p
        for k, p in walk_keys(archive_root).items()
        if k.startswith(("odd/", "legacy/", "cmip/"))
    }
    listed = json.loads(
        run([*base, "lsjson", "-R", "--files-only", "--hash", f"g:{BUCKET}"], env).stdout
    )
    everything = walk_keys(archive_root)
    assert sorted(e["Path"] for e in listed) == sorted(everything)
    assert {e["Path"]: e["Size"] for e in listed} == {
        k: p.stat().st_size for k, p in everything.items()
    }
    assert all("md5" not in e.get("Hashes", {}) for e in listed)  # not mistaken for an MD5
    dst = tmp_path / "dst"
    for folder in ("odd", "legacy", "cmip"):
        run([*base, "copy", f"g:{BUCKET}/{folder}", str(dst / folder)], env)
    assert read_tree(dst) == {k: p.read_bytes() for k, p in expected.items()}
    run([*base, "check", "--download", str(dst / "odd"), f"g:{BUCKET}/odd"], env)
    again = run([*base, "copy", "-v", f"g:{BUCKET}/odd", str(dst / "odd")], env)
    assert "Copied" not in again.stderr  # unchanged: nothing transferred twice


def test_s3fs_lists_and_downloads(
    archive_server: GrenierServer, archive_root: Path, tmp_path: Path
) -> None:
    fs = s3fs.S3FileSystem(**storage_options(archive_server))
    everything = walk_keys(archive_root)
    assert sorted(fs.find(BUCKET)) == sorted(f"{BUCKET}/{k}" for k in everything)
    assert sorted(fs.ls(f"{BUCKET}/odd", detail=False)) == sorted(
        f"{BUCKET}/odd/{name}"
        for name in {k.split("/")[1] for k in everything if k.startswith("odd/")}
    )
    fs.get(f"{BUCKET}/iris/", str(tmp_path / "iris"), recursive=True)
    iris = {
        k[len("iris/") :]: p.read_bytes() for k, p in everything.items() if k.startswith("iris/")
    }
    assert read_tree(tmp_path / "iris") == iris
    key = "cmip/day/tas_day_2001.nc"
    with fs.open(f"{BUCKET}/{key}", "rb", block_size=64 * 1024) as fh:  # ranged reads, If-Match
        fh.seek(1000)
        assert fh.read(200_000) == (archive_root / key).read_bytes()[1000:201_000]
    assert fs.info(f"{BUCKET}/{key}")["size"] == (archive_root / key).stat().st_size
