"""A deleted or disabled access key is refused by every worker, at once.

A four-worker server; every worker is seen to accept the keys (fresh connections, the
worker named by the pid inside each request id), then one key is disabled and another
deleted through the IAM API, and every worker must answer InvalidAccessKeyId for both.
"""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.access.conftest import READONLY, uid
from tests.servers import GrenierServer, process_tree

WORKERS = 4
MAX_CONNECTIONS = 600  # per phase; the kernel spreads fresh connections over the workers


def ask(server: GrenierServer, key: dict[str, str], bucket: str) -> tuple[int, str, int]:
    """ListObjectsV2 with ``key`` on a fresh connection: (status, error code, pid & 0xFFFF
    of the worker that answered, read from the request id)."""
    request = AWSRequest("GET", f"{server.endpoint}/{bucket}?list-type=2")
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    parts = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        headers = {**dict(request.headers.items()), "Connection": "close"}
        conn.request("GET", f"/{bucket}?list-type=2", headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        request_id = resp.headers["x-amz-request-id"]
    finally:
        conn.close()
    code = ET.fromstring(body).findtext("Code") or "" if resp.status >= 400 else ""
    return resp.status, code, int(request_id[8:12], 16)


def every_worker_answers(server: GrenierServer, keys: list[dict[str, str]], bucket: str, expected: tuple[int, str], workers: set[int]) -> set[int]:  # fmt: skip
    """Ask with each key over fresh connections until every worker has answered each key
    (``workers`` empty: until WORKERS distinct ones have); every answer must be
    ``expected``. Returns the workers that answered."""
    want = WORKERS if not workers else len(workers)
    answered: dict[str, set[int]] = {k["AccessKeyId"]: set() for k in keys}
    used = 0
    while any(len(seen) < want for seen in answered.values()):
        assert used < MAX_CONNECTIONS, f"workers never reached: {answered}, expected {workers}"
        for key in keys:
            status, code, worker = ask(server, key, bucket)
            used += 1
            assert (status, code) == expected, (key["AccessKeyId"], worker, status, code)
            assert not workers or worker in workers, (worker, workers)
            answered[key["AccessKeyId"]].add(worker)
    return set().union(*answered.values())


def test_deleted_or_disabled_key_is_refused_by_every_worker(tmp_path: Path) -> None:
    server = GrenierServer.start(tmp_path / "data", "--workers", str(WORKERS))
    try:
        assert server.proc is not None
        tree = {pid & 0xFFFF for pid in process_tree(server.proc.pid)}
        iam: Any = server.client("iam")
        s3: Any = server.client()
        bucket = uid("revoke")
        s3.create_bucket(Bucket=bucket)
        name = uid("user")
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=READONLY)
        disabled = iam.create_access_key(UserName=name)["AccessKey"]
        deleted = iam.create_access_key(UserName=name)["AccessKey"]
        keys = [disabled, deleted]
        # Every worker has used both keys (and cached what it caches about them).
        workers = every_worker_answers(server, keys, bucket, (200, ""), set())
        assert len(workers) == WORKERS and workers <= tree, (workers, tree)

        iam.update_access_key(UserName=name, AccessKeyId=disabled["AccessKeyId"], Status="Inactive")
        iam.delete_access_key(UserName=name, AccessKeyId=deleted["AccessKeyId"])
        refused = (403, "InvalidAccessKeyId")
        assert every_worker_answers(server, keys, bucket, refused, workers) == workers

        # Re-enabled, the disabled key works again everywhere; the deleted one never does.
        iam.update_access_key(UserName=name, AccessKeyId=disabled["AccessKeyId"], Status="Active")
        every_worker_answers(server, [disabled], bucket, (200, ""), workers)
        every_worker_answers(server, [deleted], bucket, refused, workers)
    finally:
        server.stop()
