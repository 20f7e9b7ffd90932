"""HTTPS from a certs folder: boto3, s3fs/xarray, the AWS CLI and Grenier's CLI against a
self-signed CA made here; SNI; TLS 1.2 minimum; reload without dropping connections."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import numpy as np
import pytest
import xarray as xr
from botocore.config import Config
from botocore.exceptions import SSLError
from cryptography import x509

from tests.clients.test_awscli import aws_cli  # noqa: F401 - a fixture
from tests.server.certs import SelfSignedCA
from tests.server.procs import wait_for
from tests.servers import free_port

ACCESS, SECRET = "tls-root", "tls-root-secret-key"


@dataclass
class TlsServer:
    proc: subprocess.Popen[bytes]
    port: int
    certs: Path
    ca: SelfSignedCA
    ca_file: Path
    log: Path

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def client(self, verify: bool | str | None = None):  # noqa: ANN201
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
            verify=str(self.ca_file) if verify is None else verify,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def context(self, **kw: object) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        for name, value in kw.items():
            setattr(ctx, name, value)
        return ctx

    def peer_cert(self, server_name: str | None = "localhost") -> x509.Certificate:
        ctx = self.context(check_hostname=False)
        with (
            socket.create_connection(("127.0.0.1", self.port), timeout=10) as raw,
            ctx.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
        assert der is not None
        return x509.load_der_x509_certificate(der)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    base = tmp_path_factory.mktemp("tls")
    ca = SelfSignedCA.create()
    certs = base / "certs"
    ca.issue(certs, "localhost", ips=("127.0.0.1",))
    ca.issue(certs / "sni.example.test", "sni.example.test")
    (certs / "CAs").mkdir()
    ca_file = base / "ca.pem"
    ca_file.write_bytes(ca.pem())
    port = free_port()
    log = base / "server.log"
    env = dict(os.environ, GRENIER_ROOT_USER=ACCESS, GRENIER_ROOT_PASSWORD=SECRET)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grenier", "server", str(base / "data"), "--address",
             f"127.0.0.1:{port}", "--certs-dir", str(certs), "--workers", "2"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    server = TlsServer(proc, port, certs, ca, ca_file, log)
    ctx = server.context()

    def ready() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=2)
            conn.request("GET", "/minio/health/ready")
            return conn.getresponse().status == 200
        except OSError:
            return False

    wait_for(ready, 30, "the HTTPS server ready")
    yield server
    proc.terminate()
    proc.wait(30)


def test_https_endpoint_is_announced_and_boto3_verifies_it(tls_server: TlsServer) -> None:
    assert f"Grenier S3 endpoint: https://127.0.0.1:{tls_server.port}" in tls_server.log.read_text()
    s3 = tls_server.client()
    s3.create_bucket(Bucket="tls-boto3")
    body = os.urandom(300 * 1024)
    s3.put_object(Bucket="tls-boto3", Key="k", Body=body)
    assert s3.get_object(Bucket="tls-boto3", Key="k")["Body"].read() == body
    with pytest.raises(SSLError):  # the system store does not know the test CA
        tls_server.client(verify=True).list_buckets()
    assert tls_server.client(verify=False).list_buckets()["Buckets"]


def test_tls_12_is_the_minimum(tls_server: TlsServer) -> None:
    ok = tls_server.context(maximum_version=ssl.TLSVersion.TLSv1_2)
    conn = http.client.HTTPSConnection("127.0.0.1", tls_server.port, context=ok, timeout=10)
    conn.request("GET", "/minio/health/live")
    assert conn.getresponse().status == 200
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    old.maximum_version = ssl.TLSVersion.TLSv1_1  # deprecated: that is the point
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        old.wrap_socket(raw, server_hostname="localhost")


def test_sni_picks_the_domain_certificate(tls_server: TlsServer) -> None:
    names = tls_server.peer_cert("sni.example.test").extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert names.value.get_values_for_type(x509.DNSName) == ["sni.example.test"]
    default = tls_server.peer_cert("other.example.test")
    assert default.subject.rfc4514_string() == "CN=localhost"


def test_grenier_cli_and_aws_cli_over_https(
    tls_server: TlsServer,
    tmp_path: Path,
    aws_cli: str,  # noqa: F811 - the fixture imported above
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRENIER_HOST_", "AWS_"))}
    env["GRENIER_CONFIG_DIR"] = str(tmp_path / "cfg")
    grenier = [sys.executable, "-m", "grenier"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*grenier, *args], capture_output=True, text=True, env=env, timeout=120
        )

    added = run("alias", "set", "sec", tls_server.endpoint, ACCESS, SECRET,
                "--ca-bundle", str(tls_server.ca_file))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert run("--ca-bundle", str(tls_server.ca_file), "mb", "sec/tls-cli").returncode == 0
    src = tmp_path / "hello.txt"
    src.write_text("over https")
    assert (
        run(
            "cp", str(src), "sec/tls-cli/hello.txt", "--ca-bundle", str(tls_server.ca_file)
        ).returncode
        == 0
    )
    listed = run("--insecure", "ls", "sec/tls-cli")
    assert listed.returncode == 0 and "hello.txt" in listed.stdout
    refused = run("ls", "sec/tls-cli")  # no CA given: the certificate is refused
    assert refused.returncode != 0 and "hello.txt" not in refused.stdout

    aws_env = {"PATH": env.get("PATH", ""), "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": ACCESS,
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    aws = [aws_cli, "--endpoint-url", tls_server.endpoint, "--ca-bundle", str(tls_server.ca_file)]
    copied = subprocess.run([*aws, "s3", "cp", "s3://tls-cli/hello.txt", str(tmp_path / "back.txt")],
                            capture_output=True, text=True, env=aws_env, timeout=120)  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "back.txt").read_text() == "over https"


def test_xarray_zarr_through_s3fs_over_https(
    tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grenier.datasets import open_dataset, write_dataset

    monkeypatch.setenv("GRENIER_HOST_sec", f"https://{ACCESS}:{SECRET}@127.0.0.1:{tls_server.port}")
    monkeypatch.setenv("GRENIER_CA_BUNDLE", str(tls_server.ca_file))
    tls_server.client().create_bucket(Bucket="tls-zarr")
    ds = xr.Dataset({"tas": (("time", "x"), np.arange(24, dtype="float32").reshape(6, 4))})
    write_dataset(ds, "sec/tls-zarr/t.zarr")
    back = open_dataset("sec/tls-zarr/t.zarr")
    assert back["tas"].values.tolist() == ds["tas"].values.tolist()


def test_certificates_reload_without_dropping_connections(tls_server: TlsServer) -> None:
    kept = http.client.HTTPSConnection(
        "127.0.0.1", tls_server.port, context=tls_server.context(), timeout=10
    )
    kept.request("GET", "/minio/health/live")
    kept.getresponse().read()
    before = tls_server.peer_cert().serial_number
    renewed = tls_server.ca.issue(tls_server.certs, "localhost", ips=("127.0.0.1",))
    wait_for(lambda: tls_server.peer_cert().serial_number == renewed.serial_number, 20,
             "new handshakes get the renewed certificate (folder watch)")  # fmt: skip
    assert renewed.serial_number != before
    kept.request("GET", "/minio/health/live")  # the old connection still works
    assert kept.getresponse().status == 200
    sni = tls_server.ca.issue(tls_server.certs / "sni.example.test", "sni.example.test")
    tls_server.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: tls_server.peer_cert("sni.example.test").serial_number == sni.serial_number,
             20, "SIGHUP reload")  # fmt: skip
    assert tls_server.proc.poll() is None
    assert "TLS certificates reloaded" in tls_server.log.read_text()
