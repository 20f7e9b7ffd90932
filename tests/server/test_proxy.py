"""Debian's nginx, configured with the site of docs/deploy.md, in front of Grenier on
loopback: multipart and streamed uploads, ranged reads and presigned URLs pass through."""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from tests.server.procs import wait_for
from tests.servers import GrenierServer, free_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
MIB = 1024 * 1024


def nginx_binary() -> str:
    path = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if path is None:
        pytest.fail("nginx is not installed (scripts/test.sh installs Debian's nginx)")
    return path


def site(upstream_port: int, listen_port: int) -> str:
    """The documented site, on loopback and without TLS (the test has no certificate)."""
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/deploy.md has no ```nginx block"
    text = match.group(1)
    text = text.replace("server 127.0.0.1:9000;", f"server 127.0.0.1:{upstream_port};")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen_port};")
    return "\n".join(line for line in text.splitlines() if "ssl_certificate" not in line)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GrenierServer, str]]:
    base = tmp_path_factory.mktemp("proxy")
    server = GrenierServer.start(base / "data", "--workers", "2")
    port = free_port()
    temp = {name: base / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = base / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {base}/nginx.pid;\nerror_log {base}/error.log;\n"
        + "daemon off;\nevents { worker_connections 256; }\nhttp {\n"
        + f"access_log {base}/access.log;\n"
        + "".join(f"{name}_temp_path {path};\n" for name, path in
                  (("client_body", temp["body"]), *((n, temp[n]) for n in ("proxy", "fastcgi", "uwsgi", "scgi"))))
        + site(server.port, port)
        + "\n}\n"
    )  # fmt: skip
    proc = subprocess.Popen(
        [nginx_binary(), "-p", str(base), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def up() -> bool:
        assert proc.poll() is None, (
            (base / "error.log").read_text() if (base / "error.log").exists() else ""
        )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/minio/health/ready")
            return conn.getresponse().status == 200
        except OSError:
            return False

    try:
        wait_for(up, 20, "nginx proxying to grenier")
        yield server, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
        server.stop()


def _client(server: GrenierServer, endpoint: str):  # noqa: ANN202
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


def test_uploads_and_ranges_through_nginx(proxied: tuple[GrenierServer, str]) -> None:
    server, endpoint = proxied
    s3 = _client(server, endpoint)
    s3.create_bucket(Bucket="proxied")
    body = os.urandom(17 * MIB + 123)
    multipart = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_fileobj(io.BytesIO(body), "proxied", "multi.bin", Config=multipart)
    single = TransferConfig(multipart_threshold=64 * MIB)
    s3.upload_fileobj(io.BytesIO(body), "proxied", "single.bin", Config=single)
    for key in ("multi.bin", "single.bin"):
        head = s3.head_object(Bucket="proxied", Key=key)
        assert head["ContentLength"] == len(body)
        got = s3.get_object(Bucket="proxied", Key=key, Range="bytes=5242000-5243000")
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert got["Body"].read() == body[5242000:5243001]
        tail = s3.get_object(Bucket="proxied", Key=key, Range="bytes=-100")["Body"].read()
        assert tail == body[-100:]
    assert server.client().get_object(Bucket="proxied", Key="multi.bin")["Body"].read() == body


def test_presigned_urls_through_nginx(proxied: tuple[GrenierServer, str]) -> None:
    server, endpoint = proxied
    s3 = _client(server, endpoint)
    s3.create_bucket(Bucket="presigned-proxy")
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "presigned-proxy", "Key": "p k"}
    )
    parts = urlsplit(put_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("PUT", f"{parts.path}?{parts.query}", body=b"via a presigned PUT")
    assert conn.getresponse().status == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "presigned-proxy", "Key": "p k"}
    )
    parts = urlsplit(get_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}?{parts.query}", headers={"Range": "bytes=4-12"})
    resp = conn.getresponse()
    assert resp.status == 206 and resp.read() == b"via a presigned PUT"[4:13]
    forged = get_url.replace("p%20k", "other")
    parts = urlsplit(forged)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}?{parts.query}")
    assert conn.getresponse().status == 403  # the signature still binds the key
