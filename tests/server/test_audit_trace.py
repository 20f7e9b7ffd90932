"""Audit log (file and webhook), access log and live trace: every request recorded, across
workers, and never a secret, signature or presigned query in any of them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.server.procs import wait_for
from tests.servers import GrenierServer, free_port


class Webhook:
    """A loopback webhook that refuses its first two POSTs (the sender must retry)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.refused = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.refused < 2:
                    hook.refused += 1
                    self.send_response(503)
                else:
                    assert self.headers["Authorization"] == "Bearer hook-token"
                    hook.bodies.append(body)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/audit"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for body in self.bodies for line in body.splitlines() if line]


@pytest.fixture
def audited(tmp_path: Path):  # noqa: ANN201
    hook = Webhook()
    server = GrenierServer.start(
        tmp_path / "data",
        "--workers", "2", "--audit-log", str(tmp_path / "audit.log"),
        "--access-log", "--log-format", "json",
        env={"GRENIER_AUDIT_WEBHOOK_ENDPOINT": hook.url,
             "GRENIER_AUDIT_WEBHOOK_AUTH_TOKEN": "Bearer hook-token",
             "GRENIER_AUDIT_WEBHOOK_BATCH_SIZE": "5"},
    )  # fmt: skip
    yield server, hook, tmp_path / "audit.log"
    server.stop()
    hook.http.shutdown()


def _audit_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _signature(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    (value,) = query.get("X-Amz-Signature") or query["Signature"]
    assert len(value) > 20
    return value


def _signed_get(server: GrenierServer, path: str) -> tuple[int, str]:
    """A header-signed GET; returns (status, the signature it carried)."""
    request = AWSRequest(method="GET", url=server.endpoint + path)
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", "us-east-1").add_auth(
        request
    )
    signature = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    prepared = urllib.request.Request(request.url, headers=dict(request.headers.items()))
    with urllib.request.urlopen(prepared, timeout=10) as resp:
        return resp.status, signature


def test_every_request_is_audited_and_no_secret_is_logged(audited: Any, tmp_path: Path) -> None:
    server, hook, audit_path = audited
    s3 = server.client()
    bucket = f"audit-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/obj.txt", Body=b"audited body")
    status, header_signature = _signed_get(server, f"/{bucket}/dir/obj.txt")
    assert status == 200
    presigned_get = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "dir/obj.txt"}
    )
    with urllib.request.urlopen(presigned_get, timeout=10) as resp:
        assert resp.read() == b"audited body"
    presigned_put = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up.bin"}
    )
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("PUT", presigned_put[len(server.endpoint) :], body=b"0123456789")
    assert conn.getresponse().status == 200
    conn.close()
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="no-such-key")
    iam = server.client("iam")
    user = f"aud-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    user_secret = iam.create_access_key(UserName=user)["AccessKey"]["SecretAccessKey"]
    s3.delete_object(Bucket=bucket, Key="up.bin")

    def complete() -> list[dict[str, Any]] | None:
        lines = _audit_lines(audit_path)
        names = [r["api"]["name"] for r in lines]
        return lines if names.count("GetObject") >= 3 and "DeleteObject" in names else None

    lines = wait_for(complete, 15, "the audit lines of every request")
    assert isinstance(lines, list)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for rec in lines:
        by_name.setdefault(rec["api"]["name"], []).append(rec)
    put_rec = by_name["PutObject"][0]
    assert put_rec["api"]["bucket"] == bucket and put_rec["api"]["object"] == "dir/obj.txt"
    assert put_rec["api"]["statusCode"] == 200 and put_rec["api"]["rx"] == len(b"audited body")
    assert put_rec["accessKey"] == server.access_key
    assert put_rec["principal"] == "arn:aws:iam::000000000000:root"
    assert put_rec["remotehost"] == "127.0.0.1" and put_rec["userAgent"].startswith("Boto3")
    assert put_rec["requestID"] and put_rec["time"].endswith("Z")
    assert int(put_rec["api"]["timeToResponseInNS"]) > 0
    missing = [r for r in by_name["GetObject"] if r["api"]["statusCode"] == 404]
    assert missing and missing[0]["error"] == "NoSuchKey"
    assert any(r["api"]["tx"] >= len(b"audited body") for r in by_name["GetObject"])
    assert "iam:CreateAccessKey" in by_name
    assert {r["requestPath"] for r in by_name["PutObject"]} == {
        f"/{bucket}/dir/obj.txt",
        f"/{bucket}/up.bin",
    }

    # The webhook got the same records (after two refused batches), in batches.
    wait_for(lambda: len(hook.records()) >= len(lines), 30, "webhook caught up")
    assert hook.refused == 2
    assert {r["requestID"] for r in lines} <= {r["requestID"] for r in hook.records()}

    # Access log lines (JSON) on stderr, one per request.
    log = server.log()
    access = [json.loads(x) for x in log.splitlines() if '"logger":"grenier.access"' in x]
    assert {r["requestID"] for r in lines} <= {r["requestID"] for r in access}

    # Never a secret, a signature or a presigned query, in any log.
    presigned_sig, put_sig = _signature(presigned_get), _signature(presigned_put)
    everything = "\n".join([audit_path.read_text(), log, *(b.decode() for b in hook.bodies)])
    for secret in (server.secret_key, user_secret, header_signature, presigned_sig, put_sig,
                   presigned_get.split("?", 1)[1], quote(presigned_sig, safe=""),
                   "X-Amz-Signature", "X-Amz-Credential"):  # fmt: skip
        assert secret not in everything


def test_sighup_reopens_the_audit_log(audited: Any) -> None:
    server, _hook, audit_path = audited
    s3 = server.client()
    s3.list_buckets()
    wait_for(lambda: _audit_lines(audit_path), 10, "a first line")
    rotated = audit_path.with_name("audit.log.1")
    os.rename(audit_path, rotated)  # what logrotate does, then its postrotate: SIGHUP
    assert server.proc is not None
    server.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: audit_path.exists(), 10, "every worker reopened the file")
    for _ in range(6):
        s3.head_bucket  # noqa: B018
        server.client().list_buckets()
    lines = wait_for(lambda: _audit_lines(audit_path), 10, "lines in the new file")
    assert isinstance(lines, list) and lines[-1]["api"]["name"] == "ListBuckets"
    assert _audit_lines(rotated)[0]["api"]["name"] == "ListBuckets"
    assert server.proc.poll() is None  # SIGHUP reloads, never stops


def test_trace_streams_requests_of_every_worker(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "2")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(tmp_path / "cfg"), GRENIER_HOST_t=server.env_host())
    tracer = subprocess.Popen(
        [sys.executable, "-m", "grenier", "admin", "trace", "t", "--json", "--verbose",
         "--status-code", "404"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    records: list[dict[str, Any]] = []
    reader = threading.Thread(
        target=lambda: records.extend(
            json.loads(line) for line in tracer.stdout or [] if line.strip()
        ),
        daemon=True,
    )
    reader.start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="traced")
        pids: set[str] = set()

        def both_workers_traced() -> bool:
            for i in range(4):  # fresh connections land on either worker
                c = server.client()
                c.put_object(Bucket="traced", Key=f"ok{i}", Body=b"x")
                with pytest.raises(ClientError):
                    c.get_object(Bucket="traced", Key=f"missing{i}")
            pids.update(r["requestID"][8:12] for r in records)
            return len(pids) >= 2

        wait_for(both_workers_traced, 60, "404s from both workers in the trace")
        assert records and all(r["status"] == "success" for r in records)
        assert all(r["api"]["statusCode"] == 404 for r in records)  # the filter held
        assert all(r["api"]["name"] == "GetObject" for r in records)
        auth = records[0]["requestHeader"]["Authorization"]
        assert auth.startswith("AWS4-HMAC-SHA256 Credential=") and "*REDACTED*" in auth
        assert server.secret_key not in json.dumps(records)
    finally:
        tracer.terminate()
        tracer.wait(10)
        server.stop()
