"""Virtual-host style addressing (Grenier only): ``--domain localhost`` routes
``Host: BUCKET.localhost:PORT`` to the bucket. Requests are raw and signed with the
virtual-host Host header, while the TCP connection goes to 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.s3.helpers import etag_of, raw_request
from tests.servers import GrenierServer


@pytest.fixture(scope="module")
def vhost_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GrenierServer]:
    data: Path = tmp_path_factory.mktemp("vhost") / "data"
    server = GrenierServer.start(data, "--domain", "localhost")
    yield server
    server.stop()


def test_virtual_host_routing(vhost_server: GrenierServer) -> None:
    s3 = vhost_server.client()
    s3.create_bucket(Bucket="vhost-bucket")
    s3.put_object(Bucket="vhost-bucket", Key="dir/a b.txt", Body=b"via path style")
    host = f"vhost-bucket.localhost:{vhost_server.port}"
    key = "/" + quote("dir/a b.txt", safe="/~")

    got = raw_request(vhost_server, "GET", key, host=host)
    assert got.status == 200, got.body
    assert got.body == b"via path style"

    put = raw_request(vhost_server, "PUT", "/new.txt", body=b"via vhost", host=host)
    assert put.status == 200, put.body
    assert put.header("ETag") == etag_of(b"via vhost")
    assert s3.get_object(Bucket="vhost-bucket", Key="new.txt")["Body"].read() == b"via vhost"

    listing = raw_request(vhost_server, "GET", "/", query={"list-type": "2"}, host=host)
    assert listing.status == 200, listing.body
    root = listing.xml()
    assert root.tag == "ListBucketResult"
    assert root.findtext("Name") == "vhost-bucket"
    assert [c.findtext("Key") for c in root.iter("Contents")] == ["dir/a b.txt", "new.txt"]

    missing = raw_request(vhost_server, "GET", "/nope", host=host)
    assert missing.status == 404
    assert missing.error_code() == "NoSuchKey"


def test_path_style_still_works_with_domain(vhost_server: GrenierServer) -> None:
    s3 = vhost_server.client()
    s3.create_bucket(Bucket="path-bucket")
    s3.put_object(Bucket="path-bucket", Key="k", Body=b"path")
    # Host is the bare domain (no bucket label): path-style routing applies.
    resp = raw_request(vhost_server, "GET", "/path-bucket/k", host=f"localhost:{vhost_server.port}")
    assert resp.status == 200
    assert resp.body == b"path"
