"""Prometheus metrics at MinIO's paths: counts after a known workload across two workers,
read with prometheus_client's own parser; bearer-JWT authorization as MinIO's."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import uuid
from pathlib import Path

import boto3
import jwt
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.server.ops import grenier_cli, scrape, value
from tests.server.procs import wait_for
from tests.servers import GrenierServer

PUTS, GETS, MISSING = 12, 7, 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    srv = GrenierServer.start(tmp_path_factory.mktemp("metrics") / "data", "--workers", "2")
    yield srv
    srv.stop()


def _fresh_client(server: GrenierServer, secret: str | None = None):  # noqa: ANN202
    """A client whose every request opens a new connection (so both workers serve)."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=secret or server.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      max_pool_connections=1, tcp_keepalive=False),
    )  # fmt: skip


def _token(server: GrenierServer, home: Path, kind: str = "cluster") -> tuple[str, str]:
    out = grenier_cli(server, "admin", "prometheus", "generate", "t", kind, home=home)
    assert out.returncode == 0, out.stderr
    token = re.search(r"bearer_token: (\S+)", out.stdout)
    path = re.search(r"metrics_path: (\S+)", out.stdout)
    assert token and path and "scrape_configs:" in out.stdout
    assert f"targets: ['127.0.0.1:{server.port}']" in out.stdout
    return token.group(1), path.group(1)


def test_scrape_counts_a_known_workload(server: GrenierServer, tmp_path: Path) -> None:
    bucket = f"m-{uuid.uuid4().hex[:10]}"
    s3 = server.client()
    s3.create_bucket(Bucket=bucket)
    for i in range(PUTS):
        conn = _fresh_client(server)
        conn.put_object(Bucket=bucket, Key=f"k{i}", Body=b"m" * 4096)
        conn.close()
    s3.put_object(Bucket=bucket, Key="big", Body=b"b" * (300 * 1024))  # a data file: fsyncs
    for i in range(GETS):
        assert s3.get_object(Bucket=bucket, Key=f"k{i}")["Body"].read() == b"m" * 4096
    for i in range(MISSING):
        with pytest.raises(ClientError):
            s3.get_object(Bucket=bucket, Key=f"missing{i}")
    with pytest.raises(ClientError):
        _fresh_client(server, secret="not-the-secret-key").list_buckets()
    token, path = _token(server, tmp_path)
    assert path == "/minio/v2/metrics/cluster"
    url = server.endpoint + path

    def settled() -> dict | None:  # the other worker moves its tallies once a second
        samples = scrape(url, token)
        return (
            samples
            if value(samples, "minio_s3_requests_total", api="putobject") == PUTS + 1
            else None
        )

    samples = wait_for(settled, 20, "every worker's counts in the scrape")
    assert isinstance(samples, dict)
    assert value(samples, "minio_s3_requests_total", api="getobject") == GETS + MISSING
    assert value(samples, "minio_s3_requests_4xx_errors_total", api="getobject") == MISSING
    assert value(samples, "minio_s3_requests_errors_total", api="getobject") == MISSING
    assert value(samples, "minio_s3_requests_5xx_errors_total", api="getobject") == 0
    assert value(samples, "minio_s3_requests_total", api="listbuckets") == 1
    assert value(samples, "minio_s3_requests_rejected_auth_total") == 1
    assert value(samples, "minio_s3_traffic_received_bytes") >= PUTS * 4096 + 300 * 1024
    assert value(samples, "minio_s3_traffic_sent_bytes") >= GETS * 4096
    ttfb = "minio_s3_requests_ttfb_seconds_distribution"
    assert value(samples, ttfb, api="putobject", le="+Inf") == PUTS + 1
    assert value(samples, ttfb, api="putobject", le="0.050") <= PUTS + 1
    latency = "grenier_s3_request_duration_seconds_count"
    assert value(samples, latency, api="getobject") == GETS + MISSING
    assert value(samples, "grenier_workers") == 2
    assert value(samples, "grenier_engine_commit_batch_seconds_count") >= 1
    assert value(samples, "grenier_engine_commit_batch_jobs_sum") >= PUTS + 2
    assert value(samples, "grenier_engine_fsync_seconds_count") >= 1
    assert "grenier_engine_committer_queue_depth" in samples
    assert value(samples, "minio_cluster_buckets_total") >= 1
    assert value(samples, "minio_cluster_capacity_usable_free_bytes") > 0
    assert value(samples, "minio_software_version_info", version="0.1.0") == 1

    buckets = scrape(server.endpoint + "/minio/v2/metrics/bucket", token)
    assert value(buckets, "minio_bucket_usage_object_total", bucket=bucket) == PUTS + 1
    assert (
        value(buckets, "minio_bucket_usage_total_bytes", bucket=bucket) == PUTS * 4096 + 300 * 1024
    )
    node = scrape(server.endpoint + "/minio/v2/metrics/node", token)
    assert value(node, "minio_node_file_descriptor_open_total") > 0
    assert value(node, "minio_node_process_uptime_seconds") > 0


def _status(url: str, token: str | None = None) -> int:
    try:
        scrape(url, token)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


def test_metrics_need_a_valid_token_from_an_allowed_key(
    server: GrenierServer, tmp_path: Path
) -> None:
    url = server.endpoint + "/minio/v2/metrics/cluster"
    assert _status(url) == 403
    forged = jwt.encode({"exp": 4102444800, "sub": server.access_key, "iss": "prometheus"},
                        "a-wrong-secret", algorithm="HS512")  # fmt: skip
    assert _status(url, forged) == 403
    wrong_issuer = jwt.encode({"exp": 4102444800, "sub": server.access_key, "iss": "someone"},
                              server.secret_key, algorithm="HS512")  # fmt: skip
    assert _status(url, wrong_issuer) == 403
    iam = server.client("iam")
    name = f"prom-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user_token = jwt.encode({"exp": 4102444800, "sub": key["AccessKeyId"], "iss": "prometheus"},
                            key["SecretAccessKey"], algorithm="HS512")  # fmt: skip
    assert _status(url, user_token) == 403  # a user without admin:Prometheus
    doc = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": ["admin:Prometheus"]}]}  # fmt: skip
    arn = iam.create_policy(PolicyName=f"{name}-p", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    assert _status(url, user_token) == 200


def test_public_auth_type_serves_without_a_token(tmp_path: Path) -> None:
    srv = GrenierServer.start(
        tmp_path / "data", "--workers", "1", env={"GRENIER_PROMETHEUS_AUTH_TYPE": "public"}
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request("GET", "/minio/v2/metrics/cluster")
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("Content-Type", "").startswith("text/plain; version=0.0.4")
        assert b"minio_software_version_info" in resp.read()
    finally:
        srv.stop()
