"""`grenier admin scrub ALIAS [--repair]` finds bitrot and missing data files and names a
good copy (issue 12, "keep it proven"), driven through the real CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.durability.audit import index
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow

KIB = 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GrenierServer]:
    srv = GrenierServer.start(tmp_path / "data", "--workers", "1")
    yield srv
    srv.stop()


def data_file(server: GrenierServer, key: str, version_id: str) -> Path:
    """The data file of one version, read from the index behind the server's back."""
    with index(server.data_dir) as conn:
        (segments,) = conn.execute(
            "SELECT segments FROM objects WHERE key = ? AND version_id = ?",
            (key.encode(), version_id),
        ).fetchone()
    ((rel, _size),) = json.loads(segments)
    return server.data_dir / "objects" / rel


def test_scrub_names_damaged_keys_and_repairs_from_a_good_copy(
    server: GrenierServer, tmp_path: Path
) -> None:
    s3 = server.client()
    s3.create_bucket(Bucket="data")
    s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Enabled"})
    rotten = os.urandom(300 * KIB)
    good_vid = s3.put_object(Bucket="data", Key="tas/rotten.nc", Body=rotten)["VersionId"]
    bad_vid = s3.put_object(Bucket="data", Key="tas/rotten.nc", Body=rotten)["VersionId"]
    lost_vid = s3.put_object(Bucket="data", Key="lost", Body=os.urandom(200 * KIB))["VersionId"]
    s3.put_object(Bucket="data", Key="fine", Body=os.urandom(200 * KIB))
    cli = Cli(tmp_path, server)
    assert "0 damaged" in cli("admin", "scrub", "t").ok().out
    path = data_file(server, "tas/rotten.nc", bad_vid)
    with open(path, "r+b") as fh:  # one flipped bit in the middle of the file
        fh.seek(150 * KIB)
        byte = fh.read(1)
        fh.seek(150 * KIB)
        fh.write(bytes([byte[0] ^ 0x10]))
    data_file(server, "lost", lost_vid).unlink()

    run = cli("admin", "scrub", "t")
    assert run.code == 1
    lines = run.out.splitlines()
    assert f"DAMAGED  data/tas/rotten.nc (version {bad_vid}): bitrot" in run.out
    assert f"a good copy is version {good_vid}" in run.out
    assert any(line.startswith("DAMAGED  data/lost") and ": missing:" in line for line in lines)
    assert "fine" not in run.out
    assert "4 object version(s)" in lines[-1] and "2 damaged" in lines[-1]

    records = cli("admin", "scrub", "t", "--json").records()
    damaged = {r["key"]: r for r in records if r["op"] == "scrub-damage"}
    assert damaged["tas/rotten.nc"]["goodCopy"] == good_vid
    assert damaged["lost"]["goodCopy"] is None

    run = cli("admin", "scrub", "t", "--repair")
    assert run.code == 1  # "lost" has no good copy: damage remains
    assert f"repaired from version {good_vid}" in run.out
    got = s3.get_object(Bucket="data", Key="tas/rotten.nc", VersionId=bad_vid)
    assert got["Body"].read() == rotten
    run = cli("admin", "scrub", "t", "--bucket", "data")
    assert "rotten" not in run.out and "data/lost" in run.out


def test_scrub_is_for_root_only(server: GrenierServer, tmp_path: Path) -> None:
    cli = Cli(tmp_path, server)
    cli("admin", "user", "add", "t", "operator", "operator-secret-key").ok()
    cli("admin", "policy", "attach", "t", "consoleAdmin", "--user", "operator").ok()
    host = server.endpoint.replace("http://", "http://operator:operator-secret-key@")
    run = cli("admin", "scrub", "u", env={"GRENIER_HOST_u": host})
    assert run.code == 1 and "access denied" in run.err
    assert cli("admin", "scrub", "t", "--bucket", "no-such-bucket").code == 1
