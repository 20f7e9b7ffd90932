"""The `grenier server` process: credentials, start-up output, locking, shutdown."""

from __future__ import annotations

import http.client
import json
import os
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from tests.servers import GrenierServer, free_port, wait_http


def start_plain(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    clean_env = {
        k: v for k, v in os.environ.items() if not k.endswith(("_ROOT_USER", "_ROOT_PASSWORD"))
    }
    clean_env.update(env)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(data_dir),
            "--address",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env,
    )
    wait_http(f"http://127.0.0.1:{port}/minio/health/live", proc)  # type: ignore[arg-type]
    return proc, port


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return proc.returncode, out


def test_generated_root_credentials_are_stored_0600_and_printed_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc, port = start_plain(data, {})
    code, out = stop(proc)
    assert code == 0
    creds = json.loads((data / "root-credentials.json").read_text())
    mode = stat.S_IMODE((data / "root-credentials.json").stat().st_mode)
    assert mode == 0o600
    assert (
        f"grenier alias set local http://127.0.0.1:{port} {creds['access_key']} {creds['secret_key']}"
        in out
    )
    assert f"Grenier S3 endpoint: http://127.0.0.1:{port}" in out
    proc, port = start_plain(data, {})
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=creds["access_key"],
        aws_secret_access_key=creds["secret_key"],
        config=Config(s3={"addressing_style": "path"}),
    )
    assert s3.list_buckets()["Buckets"] == []
    code, out = stop(proc)
    assert code == 0 and creds["secret_key"] not in out


def test_minio_root_variables_are_accepted(tmp_path: Path) -> None:
    proc, port = start_plain(
        tmp_path / "d", {"MINIO_ROOT_USER": "minioadmin", "MINIO_ROOT_PASSWORD": "minioadmin"}
    )
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="minioadmin",
            aws_secret_access_key="minioadmin",
        )
        s3.create_bucket(Bucket="switched-from-minio")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["switched-from-minio"]
        assert not (tmp_path / "d" / "root-credentials.json").exists()
    finally:
        stop(proc)


def test_health_endpoints_need_no_auth(grenier: GrenierServer) -> None:
    for path in ("/minio/health/live", "/minio/health/ready"):
        with urllib.request.urlopen(grenier.endpoint + path) as resp:
            assert resp.status == 200


def test_second_server_on_same_data_dir_is_refused(grenier: GrenierServer) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grenier",
            "server",
            str(grenier.data_dir),
            "--address",
            f"127.0.0.1:{free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "in use by another grenier server" in result.stderr + result.stdout


def test_sigterm_drains_an_in_flight_upload(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data")
    s3 = server.client()
    s3.create_bucket(Bucket="drain")
    body = os.urandom(256 * 1024)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    result: dict[str, object] = {}

    def slow_put() -> None:
        presigned = s3.generate_presigned_url(
            "put_object", Params={"Bucket": "drain", "Key": "slow"}
        )
        path = presigned[len(server.endpoint) :]
        conn.putrequest("PUT", path)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        for i in range(0, len(body), 32 * 1024):
            conn.send(body[i : i + 32 * 1024])
            time.sleep(0.05)
        result["status"] = conn.getresponse().status

    thread = threading.Thread(target=slow_put)
    thread.start()
    time.sleep(0.2)
    code = server.stop()
    thread.join(30)
    assert code == 0
    assert result.get("status") == 200
    server.launch()
    try:
        assert server.client().get_object(Bucket="drain", Key="slow")["Body"].read() == body
    finally:
        server.stop()


def test_several_workers_share_one_index(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "2")
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="workers")
        bodies = {f"k{i}": os.urandom(1000 + i) for i in range(40)}
        threads = [
            threading.Thread(
                target=s3.put_object, kwargs={"Bucket": "workers", "Key": k, "Body": v}
            )
            for k, v in bodies.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = s3.list_objects_v2(Bucket="workers")["Contents"]
        assert sorted(o["Key"] for o in listed) == sorted(bodies)
        for key, body in bodies.items():
            assert s3.get_object(Bucket="workers", Key=key)["Body"].read() == body
    finally:
        assert server.stop() == 0
