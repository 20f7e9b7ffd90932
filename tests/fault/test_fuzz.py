"""A seeded fuzz loop against a real two-worker server: hostile headers, XML bodies,
aws-chunked framing and SigV4 fields (tests/fault/fuzzcases.py).

For every request: an answer arrives (no dropped connection, no hang); no 5xx but 503
(and 501 NotImplemented, S3's deliberate answer for a feature Grenier does not have);
every error, and every XML body, is well-formed S3 XML. Afterwards the same worker
processes are alive and healthy, the log holds no traceback, and boto3 still works.

A few thousand requests in CI; ``--fuzz-requests N`` (or GRENIER_FUZZ_REQUESTS) and
``--fuzz-seed S`` (GRENIER_FUZZ_SEED) for long runs and replays.
"""

from __future__ import annotations

import http.client
import random
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from tests.fault.fuzzcases import generate
from tests.fault.fuzzwire import Wire, World
from tests.rawsig import Signer
from tests.servers import GrenierServer, process_tree

KEYS = ["k", "dir/a.nc", "sp ace", "\u00e9t\u00e9/\u65e5\u672c", "a\r\nb", "tab\tkey", "+%&=?", "a//b", "x" * 300]  # fmt: skip
MAX_FAILURES = 25
TIMEOUT = 30.0


class Link:
    """A keep-alive connection; a fresh one when the server closed the last."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.sock: socket.socket | None = None
        self.reconnects = 0

    def exchange(self, wire: Wire) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send and read one answer. A reused connection the server closed between
        requests (allowed by HTTP) is retried once on a fresh one; a fresh connection
        that gives no answer is a dropped connection."""
        for attempt in (0, 1):
            fresh = self.sock is None
            if self.sock is None:
                self.sock = socket.create_connection(self.address, timeout=TIMEOUT)
            try:
                self.sock.sendall(wire.encode())
                resp = http.client.HTTPResponse(self.sock, method=wire.method)
                resp.begin()
                body = resp.read()
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                self.close()
                if fresh or attempt:
                    raise AssertionError(f"dropped connection: {exc!r}") from exc
                self.reconnects += 1
                continue
            except TimeoutError as exc:
                self.close()
                raise AssertionError("no answer within the timeout") from exc
            if resp.will_close:
                self.close()
            return resp.status, resp.headers, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def check(wire: Wire, status: int, headers: http.client.HTTPMessage, body: bytes) -> str | None:
    """What is wrong with this answer, or None."""
    code = None
    ours = status >= 300 or body.startswith(b"<?xml")  # not an object's own bytes
    if body and ours and "xml" in (headers.get("Content-Type") or ""):
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:
            return f"{status}: body is not well-formed XML ({exc}): {body[:300]!r}"
        if status >= 400:
            if root.tag != "Error" or not root.findtext("Code"):
                return f"{status}: not an S3 error document: {body[:300]!r}"
            code = root.findtext("Code")
    elif status >= 400 and wire.method != "HEAD" and status != 304:
        return f"{status}: error without an S3 XML body: {body[:300]!r}"
    if status >= 500 and status != 503 and not (status == 501 and code == "NotImplemented"):
        return f"{status} {code}"
    return None


def set_up(server: GrenierServer) -> World:
    s3: Any = server.client()
    bucket, versioned = "fuzz-plain", "fuzz-versioned"
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=versioned)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode() * 10)
        s3.put_object(Bucket=versioned, Key=key, Body=b"v1")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"p" * 100)
    host = urlsplit(server.endpoint).netloc.encode()
    signer = Signer(server.access_key, server.secret_key)
    return World(signer, host, bucket, versioned, KEYS, upload)


def test_raw_signer_matches_botocore() -> None:
    """The fuzz signer signs exactly as botocore does (same instant, same request)."""
    request = AWSRequest("PUT", "http://h:1/b/k%20x?a=1&b=", headers={"x-amz-meta-a": " v  w "})
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(Credentials("AKID", "secret"), "s3", "us-east-1").add_auth(request)
    amz_date = request.headers["X-Amz-Date"]
    headers, signature = Signer("AKID", "secret").sign(
        "PUT", "/b/k%20x", "a=1&b=", [(b"host", b"h:1"), (b"x-amz-meta-a", b" v  w ")],
        "UNSIGNED-PAYLOAD", amz_date=amz_date,
    )  # fmt: skip
    assert request.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert request.headers["Authorization"].endswith(f"Signature={signature}")
    assert dict(headers)[b"authorization"].decode() == request.headers["Authorization"]


def test_fuzz_requests(tmp_path: Path, fuzz_requests: int, fuzz_seed: int) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", "2")
    try:
        world = set_up(server)
        workers = process_tree(server.proc.pid)  # type: ignore[union-attr]
        assert len(workers) >= 2, workers
        parts = urlsplit(server.endpoint)
        link = Link((parts.hostname or "127.0.0.1", parts.port or 80))
        rng = random.Random(fuzz_seed)
        statuses: Counter[tuple[str, int]] = Counter()
        failures: list[str] = []
        for index in range(fuzz_requests):
            wire = generate(rng, world)
            try:
                status, headers, body = link.exchange(wire)
            except AssertionError as exc:
                failures.append(f"#{index} {exc}\n{wire.describe()}")
                status, headers, body = 0, http.client.HTTPMessage(), b""
            else:
                problem = check(wire, status, headers, body)
                if problem:
                    failures.append(f"#{index} {problem}\n{wire.describe()}")
            statuses[(wire.kind, status)] += 1
            if len(failures) >= MAX_FAILURES:
                break
        link.close()
        summary = ", ".join(f"{k}:{s}x{n}" for (k, s), n in sorted(statuses.items()))
        print(f"fuzz seed={fuzz_seed} requests={sum(statuses.values())} reconnects={link.reconnects}: {summary}")  # fmt: skip
        assert not failures, f"seed {fuzz_seed}: {len(failures)} failures\n\n" + "\n\n".join(failures)  # fmt: skip
        # Every request was answered; now the server itself: same live workers, healthy.
        assert process_tree(server.proc.pid) == workers  # type: ignore[union-attr]
        assert all(state != "Z" for state in workers.values())
        health = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        health.request("GET", "/minio/health/live")
        assert health.getresponse().status == 200
        s3: Any = server.client()
        s3.put_object(Bucket=world.bucket, Key="after-fuzz", Body=b"still fine")
        assert s3.get_object(Bucket=world.bucket, Key="after-fuzz")["Body"].read() == b"still fine"
        assert "Traceback" not in server.log(), server.log()[-5000:]
    finally:
        server.stop()


@pytest.fixture
def fuzz_requests(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--fuzz-requests"))


@pytest.fixture
def fuzz_seed(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--fuzz-seed"))
