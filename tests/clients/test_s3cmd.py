"""s3cmd against Grenier, with SigV4 and with the legacy SigV2 (signature_v2 = True).

mb/rb, put/get with odd names, ls/du/info, multipart put (--multipart-chunk-size-mb=5),
sync up (idempotent, --delete-removed) and down, server-side cp/mv, del -r, signurl.
"""

from __future__ import annotations

import os
import urllib.request
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


class S3cmd:
    def __init__(self, server: GrenierServer, home: Path, signature_v2: bool) -> None:
        self.exe = require("s3cmd")
        self.env = base_env(home)
        host = server.endpoint.split("://", 1)[1]
        self.config = home / "s3cfg"
        self.config.write_text(
            "[default]\n"
            f"access_key = {server.access_key}\n"
            f"secret_key = {server.secret_key}\n"
            f"host_base = {host}\n"
            f"host_bucket = {host}\n"
            f"bucket_location = {server.region}\n"
            "use_https = False\n"
            f"signature_v2 = {signature_v2}\n"
        )

    def __call__(self, *args: str, check: bool = True) -> Any:
        return run([self.exe, "-c", str(self.config), "--no-progress", *args], self.env, check)


@pytest.fixture(params=[False, True], ids=["sigv4", "sigv2"])
def s3cmd(request: pytest.FixtureRequest, grenier: GrenierServer, tmp_path: Path) -> S3cmd:
    return S3cmd(grenier, tmp_path / "home", signature_v2=request.param)


@pytest.fixture
def s3cmd_v4(grenier: GrenierServer, tmp_path: Path) -> S3cmd:
    """For the longer scenarios: SigV4 only (the signing is covered by both params above)."""
    return S3cmd(grenier, tmp_path / "home", signature_v2=False)


def test_mb_put_get_ls_del_rb(s3cmd: S3cmd, s3: Any, tmp_path: Path) -> None:
    name = "s3cmd-" + os.urandom(4).hex()
    s3cmd("mb", f"s3://{name}")
    assert f"s3://{name}" in s3cmd("ls").stdout

    src = tmp_path / "src"
    files = make_tree(src)
    s3cmd("put", "--recursive", f"{src}/", f"s3://{name}/up/")
    assert bucket_objects(s3, name, "up/") == files

    listing = s3cmd("ls", "-r", f"s3://{name}").stdout
    listed = {line.split(f"s3://{name}/up/", 1)[1] for line in listing.splitlines()}
    assert listed == set(files)
    du = s3cmd("du", f"s3://{name}").stdout.split()
    assert int(du[0]) == sum(len(v) for v in files.values())
    assert int(du[1]) == len(files)

    odd = "sub/deep/100%25 done %.bin"
    info = s3cmd("info", f"s3://{name}/up/{odd}").stdout
    assert f"File size: {len(files[odd])}" in info

    s3cmd("get", f"s3://{name}/up/{odd}", str(tmp_path / "one"))
    assert (tmp_path / "one").read_bytes() == files[odd]

    missing = s3cmd("get", f"s3://{name}/up/nope", str(tmp_path / "nope"), check=False)
    assert missing.returncode != 0
    assert "does not exist" in missing.stderr, missing.stderr

    s3cmd("del", "-r", "--force", f"s3://{name}")
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    s3cmd("rb", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_multipart_put_and_get(s3cmd: S3cmd, s3: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(12 * MIB + 5)
    (tmp_path / "big.bin").write_bytes(data)
    s3cmd(
        "put", "--multipart-chunk-size-mb=5", str(tmp_path / "big.bin"), f"s3://{bucket}/b i+g.bin"
    )
    head = s3.head_object(Bucket=bucket, Key="b i+g.bin")
    assert head["ContentLength"] == len(data)
    assert parts_of(head["ETag"]) == 3
    s3cmd("get", f"s3://{bucket}/b i+g.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == data


def test_sync_cp_mv(s3cmd_v4: S3cmd, s3: Any, bucket: str, tmp_path: Path) -> None:
    s3cmd = s3cmd_v4
    src = tmp_path / "src"
    files = make_tree(src)
    s3cmd("sync", f"{src}/", f"s3://{bucket}/m/")
    assert bucket_objects(s3, bucket, "m/") == files
    again = s3cmd("sync", f"{src}/", f"s3://{bucket}/m/").stdout
    assert "upload:" not in again, again

    (src / "with space.nc").unlink()
    del files["with space.nc"]
    out = s3cmd("sync", "--delete-removed", f"{src}/", f"s3://{bucket}/m/").stdout
    assert "delete:" in out
    assert bucket_objects(s3, bucket, "m/") == files

    down = tmp_path / "down"
    down.mkdir()
    s3cmd("sync", f"s3://{bucket}/m/", f"{down}/")
    assert read_tree(down) == files

    s3cmd("cp", f"s3://{bucket}/m/sub/a+b=c.txt", f"s3://{bucket}/c/copy é+%.txt")
    s3cmd("mv", f"s3://{bucket}/c/copy é+%.txt", f"s3://{bucket}/c/moved %25.txt")
    assert bucket_objects(s3, bucket, "c/") == {"moved %25.txt": files["sub/a+b=c.txt"]}


def test_signurl(s3cmd_v4: S3cmd, s3: Any, bucket: str) -> None:
    """s3cmd presigns with the SigV2 query form (AWSAccessKeyId, Expires, Signature)."""
    s3.put_object(Bucket=bucket, Key="shared é.txt", Body=b"shared")
    url = s3cmd_v4("signurl", f"s3://{bucket}/shared é.txt", "+600").stdout.strip()
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"shared"
    assert "AWSAccessKeyId=" in url
