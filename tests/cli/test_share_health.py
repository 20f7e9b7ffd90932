"""share download/upload (presigned URLs that work), ping, ready."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.cli.conftest import Cli
from tests.servers import S3Endpoint


def test_share_download_url_works(cli: Cli, s3c: Any, bkt: str) -> None:
    s3c.put_object(Bucket=bkt, Key="results/out.nc", Body=b"shared bytes")
    [link] = cli.json("share", "download", "--expire", "1h", f"t/{bkt}/results/out.nc")
    assert link["expire"] == "1h" and "X-Amz-Signature" in link["share"]
    with urllib.request.urlopen(link["share"], timeout=10) as resp:
        assert resp.read() == b"shared bytes"
    too_long = cli("share", "download", "--expire", "8d", f"t/{bkt}/results/out.nc")
    assert too_long.code == 1 and "7d" in too_long.err


def test_share_upload_gives_a_put_url_and_curl_line(cli: Cli, s3c: Any, bkt: str) -> None:
    [link] = cli.json("share", "upload", "--expire", "30m", f"t/{bkt}/inbox/data.csv")
    assert link["curl"].startswith("curl --upload-file <FILE> ")
    headers = {"Content-Type": "application/octet-stream"}  # what curl --upload-file sends
    request = urllib.request.Request(
        link["share"], data=b"a,b\n1,2\n", method="PUT", headers=headers
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    assert s3c.get_object(Bucket=bkt, Key="inbox/data.csv")["Body"].read() == b"a,b\n1,2\n"


def test_ping_and_ready(cli: Cli, any_s3: S3Endpoint) -> None:
    [pong] = cli.json("ping", "-c", "1", "t")
    assert pong["ok"] is True and pong["seq"] == 1 and pong["latencyMs"] >= 0
    [state] = cli.json("ready", "t")
    assert state["ok"] is True and state["endpoint"] == any_s3.endpoint
    if any_s3.name == "grenier":
        assert state["method"].endswith("/minio/health/ready")
    else:
        assert state["method"] == "ListBuckets" and state["detail"] == "no health endpoint"
    assert "ready" in cli("ready", "t").ok().out
