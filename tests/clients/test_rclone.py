"""rclone against Grenier, configured the way docs/clients.md tells users to (env remote).

Covers copy up and down, check (size + hash and --download), sync with deletions, lsjson,
server-side copy (single and multipart UploadPartCopy), moveto, deletefile, purge, a
multipart upload forced by a small --s3-upload-cutoff, and odd key names.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.clients.tools import (
    MIB,
    base_env,
    bucket_objects,
    make_tree,
    parts_of,
    read_tree,
    require,
    run,
)
from tests.servers import GrenierServer


class Rclone:
    def __init__(self, server: GrenierServer, home: Path) -> None:
        self.exe = require("rclone")
        self.env = base_env(
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

    def __call__(self, *args: str, check: bool = True) -> Any:
        return run([self.exe, "--retries", "1", "--low-level-retries", "1", *args], self.env, check)


@pytest.fixture
def rclone(grenier: GrenierServer, tmp_path: Path) -> Rclone:
    return Rclone(grenier, tmp_path / "home")


def test_copy_up_check_and_down(rclone: Rclone, s3: Any, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    rclone("copy", str(src), f"g:{bucket}/tree")
    assert bucket_objects(s3, bucket, "tree/") == files

    rclone("check", str(src), f"g:{bucket}/tree")  # sizes + MD5 (ETag) on both sides
    rclone("check", "--download", str(src), f"g:{bucket}/tree")  # byte by byte

    listed = json.loads(rclone("lsjson", "-R", "--files-only", "--hash", f"g:{bucket}/tree").stdout)
    assert {e["Path"]: e["Size"] for e in listed} == {k: len(v) for k, v in files.items()}
    assert {e["Path"]: e["Hashes"]["md5"] for e in listed} == {
        k: hashlib.md5(v).hexdigest() for k, v in files.items()
    }

    dst = tmp_path / "dst"
    rclone("copy", f"g:{bucket}/tree", str(dst))
    assert read_tree(dst) == files


def test_sync_deletes_and_is_idempotent(
    rclone: Rclone, s3: Any, bucket: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    rclone("sync", str(src), f"g:{bucket}/m")
    again = rclone("sync", "-v", str(src), f"g:{bucket}/m")
    assert "Copied" not in again.stderr, again.stderr  # nothing changed: nothing sent

    (src / "plain.txt").write_bytes(b"changed and longer\n")
    (src / "with space.nc").unlink()
    del files["with space.nc"]
    files["plain.txt"] = b"changed and longer\n"
    rclone("sync", str(src), f"g:{bucket}/m")
    assert bucket_objects(s3, bucket, "m/") == files


def test_multipart_upload_and_server_side_copy(
    rclone: Rclone, s3: Any, bucket: str, tmp_path: Path
) -> None:
    data = os.urandom(12 * MIB + 123)
    (tmp_path / "big.bin").write_bytes(data)
    rclone(
        "copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M",
        str(tmp_path / "big.bin"), f"g:{bucket}/up",
    )  # fmt: skip
    head = s3.head_object(Bucket=bucket, Key="up/big.bin")
    assert head["ContentLength"] == len(data)
    assert parts_of(head["ETag"]) == 3
    rclone("check", "--download", str(tmp_path / "big.bin"), f"g:{bucket}/up")

    # Server-side copy: small objects with CopyObject, big ones with UploadPartCopy.
    rclone("copyto", f"g:{bucket}/up/big.bin", f"g:{bucket}/cp/big copy é+%.bin",
           "--s3-copy-cutoff", "5M")  # fmt: skip
    head = s3.head_object(Bucket=bucket, Key="cp/big copy é+%.bin")
    assert parts_of(head["ETag"]) == 3
    assert s3.get_object(Bucket=bucket, Key="cp/big copy é+%.bin")["Body"].read() == data

    rclone("copyto", f"g:{bucket}/up/big.bin", f"g:{bucket}/cp/whole.bin")
    assert s3.get_object(Bucket=bucket, Key="cp/whole.bin")["Body"].read() == data

    back = tmp_path / "back"
    rclone("copy", f"g:{bucket}/cp", str(back))
    assert read_tree(back) == {"big copy é+%.bin": data, "whole.bin": data}


def test_moveto_deletefile_purge(rclone: Rclone, s3: Any, tmp_path: Path) -> None:
    name = "rclone-purge-" + os.urandom(4).hex()
    rclone("mkdir", f"g:{name}")
    files = make_tree(tmp_path / "src")
    rclone("copy", str(tmp_path / "src"), f"g:{name}")

    rclone("moveto", f"g:{name}/sub/a+b=c.txt", f"g:{name}/moved/a+b=c.txt")
    rclone("deletefile", f"g:{name}/sub/deep/100%25 done %.bin")
    got = bucket_objects(s3, name)
    expected = dict(files)
    expected["moved/a+b=c.txt"] = expected.pop("sub/a+b=c.txt")
    del expected["sub/deep/100%25 done %.bin"]
    assert got == expected

    out = rclone("purge", "-v", f"g:{name}")
    # rclone asks GetBucketVersioning before purging; any ERROR line means a failed call.
    assert "ERROR" not in out.stderr, out.stderr
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_wrong_secret_is_signature_does_not_match(rclone: Rclone, bucket: str) -> None:
    rclone.env["RCLONE_CONFIG_G_SECRET_ACCESS_KEY"] = "not-the-secret"
    proc = rclone("lsf", f"g:{bucket}", check=False)
    assert proc.returncode != 0
    assert "SignatureDoesNotMatch" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "listing",
    [["--s3-list-version", "1"], ["--s3-list-version", "2", "--s3-list-url-encode", "false"]],
    ids=["v1-url-encoded", "v2-raw"],
)
def test_listing_variants_with_odd_names(
    rclone: Rclone, s3: Any, bucket: str, tmp_path: Path, listing: list[str]
) -> None:
    """ListObjects v1 and raw (no encoding-type=url) listings must round-trip odd keys."""
    names = ["q?r#s", "tab\tt", "x%2Fy", "amp&eq=", "star*", "\u00e9+%", "a b"]
    src = tmp_path / "odd"
    src.mkdir()
    for name in names:
        (src / name).write_text(name)
    rclone("copy", str(src), f"g:{bucket}/o")
    assert sorted(c["Key"] for c in s3.list_objects_v2(Bucket=bucket)["Contents"]) == sorted(
        f"o/{n}" for n in names
    )
    listed = json.loads(rclone("lsjson", *listing, f"g:{bucket}/o").stdout)
    # rclone shows control characters as their Unicode pictures (TAB -> U+2409) on output.
    assert sorted(e["Name"] for e in listed) == sorted(n.replace("\t", "\u2409") for n in names)
    rclone("check", *listing, str(src), f"g:{bucket}/o")


def test_versions_listing_and_cleanup(rclone: Rclone, s3: Any, bucket: str, tmp_path: Path) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    (tmp_path / "f").write_bytes(b"one")
    rclone("copyto", str(tmp_path / "f"), f"g:{bucket}/v/f")
    (tmp_path / "f").write_bytes(b"two!")
    rclone("copyto", str(tmp_path / "f"), f"g:{bucket}/v/f")
    versions = rclone("lsf", "--s3-versions", f"g:{bucket}/v").stdout.splitlines()
    assert len(versions) == 2
    assert "f" in versions
    old = next(v for v in versions if v != "f")
    assert rclone("cat", "--s3-versions", f"g:{bucket}/v/{old}").stdout == "one"

    rclone("delete", f"g:{bucket}/v")  # a delete marker on top: both versions hidden
    assert rclone("lsf", f"g:{bucket}/v").stdout == ""
    assert len(rclone("lsf", "--s3-versions", f"g:{bucket}/v").stdout.splitlines()) == 2
    rclone("backend", "cleanup-hidden", f"g:{bucket}")
    left = s3.list_object_versions(Bucket=bucket)
    assert left.get("Versions", []) == []
    assert left.get("DeleteMarkers", []) == []
