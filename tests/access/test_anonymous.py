"""Anonymous access: nothing without a grant; `grenier anonymous set` opens exactly what
mc's canned policies open; canned ACLs translate into the same grants; the seed's
anonymous s3fs + xarray read path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import s3fs
import xarray as xr

from tests.access.conftest import READWRITE, outcome, uid
from tests.servers import GrenierServer


def http(method: str, url: str, body: bytes | None = None) -> int:
    """A plain HTTP request with no signature at all; its status."""
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def grenier_cli(server: GrenierServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRENIER_HOST_")}
    env.update(GRENIER_CONFIG_DIR=str(home), GRENIER_HOST_t=server.env_host())
    return subprocess.run(
        [sys.executable, "-m", "grenier", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def public_bucket(root_s3: Any, fresh_bucket: str) -> str:
    root_s3.put_object(Bucket=fresh_bucket, Key="data/a.txt", Body=b"hello")
    return fresh_bucket


def test_no_policy_means_no_anonymous_access(grenier: GrenierServer, public_bucket: str) -> None:
    url = f"{grenier.endpoint}/{public_bucket}"
    assert http("GET", f"{url}/data/a.txt") == 403
    assert http("GET", f"{url}?list-type=2") == 403
    assert http("PUT", f"{url}/data/b.txt", b"x") == 403
    assert http("DELETE", f"{url}/data/a.txt") == 403
    assert http("GET", f"{grenier.endpoint}/") == 403  # ListBuckets


def test_anonymous_set_download_then_none(
    grenier: GrenierServer, public_bucket: str, tmp_path: Path, root_s3: Any
) -> None:
    url = f"{grenier.endpoint}/{public_bucket}"
    done = grenier_cli(grenier, tmp_path, "anonymous", "set", "download", f"t/{public_bucket}")
    assert done.returncode == 0, done.stderr
    assert http("GET", f"{url}/data/a.txt") == 200
    assert http("GET", f"{url}?list-type=2") == 200
    assert http("HEAD", f"{url}/data/a.txt") == 200
    assert http("PUT", f"{url}/data/b.txt", b"x") == 403
    assert http("DELETE", f"{url}/data/a.txt") == 403
    assert http("GET", f"{url}?policy") == 403  # the policy itself stays private
    got = grenier_cli(grenier, tmp_path, "anonymous", "get", f"t/{public_bucket}")
    assert "`download`" in got.stdout
    status = root_s3.get_bucket_policy_status(Bucket=public_bucket)["PolicyStatus"]
    assert status["IsPublic"] is True

    done = grenier_cli(grenier, tmp_path, "anonymous", "set", "none", f"t/{public_bucket}")
    assert done.returncode == 0, done.stderr
    assert http("GET", f"{url}/data/a.txt") == 403
    assert http("GET", f"{url}?list-type=2") == 403
    assert outcome(lambda: root_s3.get_bucket_policy(Bucket=public_bucket)) == 404


def test_upload_and_prefixes(grenier: GrenierServer, public_bucket: str, tmp_path: Path) -> None:
    url = f"{grenier.endpoint}/{public_bucket}"
    target = f"t/{public_bucket}"
    assert (
        grenier_cli(grenier, tmp_path, "anonymous", "set", "upload", f"{target}/in/").returncode
        == 0
    )
    assert (
        grenier_cli(grenier, tmp_path, "anonymous", "set", "download", f"{target}/data/").returncode
        == 0
    )
    assert http("PUT", f"{url}/in/x", b"x") == 200
    assert http("GET", f"{url}/in/x") == 403  # upload only
    assert http("PUT", f"{url}/data/x", b"x") == 403
    assert http("GET", f"{url}/data/a.txt") == 200
    assert http("GET", f"{url}?list-type=2&prefix=data/") == 200
    assert http("GET", f"{url}?list-type=2&prefix=in/") == 403
    listed = grenier_cli(grenier, tmp_path, "--json", "anonymous", "list", target)
    rows = {r["resource"]: r["permission"] for r in map(json.loads, listed.stdout.splitlines())}
    assert rows == {f"{public_bucket}/data/*": "download", f"{public_bucket}/in/*": "upload"}
    assert (
        grenier_cli(grenier, tmp_path, "anonymous", "set", "none", f"{target}/in/").returncode == 0
    )
    assert http("PUT", f"{url}/in/z", b"z") == 403
    assert http("GET", f"{url}/data/a.txt") == 200


def test_set_json_and_errors(grenier: GrenierServer, public_bucket: str, tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    arn = f"arn:aws:s3:::{public_bucket}"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/data/*"}
    ]}))  # fmt: skip
    done = grenier_cli(
        grenier, tmp_path, "anonymous", "set-json", str(policy), f"t/{public_bucket}"
    )
    assert done.returncode == 0, done.stderr
    assert http("GET", f"{grenier.endpoint}/{public_bucket}/data/a.txt") == 200
    got = grenier_cli(grenier, tmp_path, "anonymous", "get", f"t/{public_bucket}")
    assert "`custom`" in got.stdout
    policy.write_text('{"Statement": [{"Effect": "Allow"')
    bad = grenier_cli(grenier, tmp_path, "anonymous", "set-json", str(policy), f"t/{public_bucket}")
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1 and "MalformedPolicy" in bad.stderr
    missing = grenier_cli(grenier, tmp_path, "anonymous", "get", "t/no-such-bucket-here")
    assert missing.returncode == 1 and "no such bucket" in missing.stderr


def test_bucket_acl_grants(grenier: GrenierServer, root_s3: Any, make_user: Any) -> None:
    """A bucket's ACL grants what AWS's does: READ lists the bucket (its objects keep
    their own ACLs), WRITE writes into it."""
    bucket = uid("acl")
    root_s3.create_bucket(Bucket=bucket, ACL="public-read", ObjectOwnership="ObjectWriter")
    root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    root_s3.put_object(Bucket=bucket, Key="open", Body=b"o", ACL="public-read")
    url = f"{grenier.endpoint}/{bucket}"
    assert http("GET", url) == 200
    assert http("GET", f"{url}/k") == 403  # the object's own ACL is private
    assert http("GET", f"{url}/open") == 200
    assert http("PUT", f"{url}/k2", b"x") == 403
    # An explicit Deny in the bucket policy still wins over the ACL's grant.
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
            "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}]}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny))
    assert http("GET", url) == 403
    assert http("GET", f"{url}/open") == 200

    private = uid("acl")
    root_s3.create_bucket(Bucket=private, ACL="authenticated-read", ObjectOwnership="ObjectWriter")
    root_s3.put_object(Bucket=private, Key="k", Body=b"v", ACL="authenticated-read")
    assert http("GET", f"{grenier.endpoint}/{private}") == 403
    assert http("GET", f"{grenier.endpoint}/{private}/k") == 403
    nobody = make_user()  # a user with no policy at all
    assert outcome(lambda: nobody.s3.list_objects_v2(Bucket=private)) == 200
    assert nobody.s3.get_object(Bucket=private, Key="k")["Body"].read() == b"v"
    assert outcome(lambda: nobody.s3.put_object(Bucket=private, Key="x", Body=b"")) == 403

    writable = uid("acl")
    root_s3.create_bucket(Bucket=writable, ACL="public-read-write")
    assert http("PUT", f"{grenier.endpoint}/{writable}/drop", b"x") == 200
    # Written anonymously, the object belongs to the bucket owner (not to "anonymous").
    assert root_s3.get_object(Bucket=writable, Key="drop")["Body"].read() == b"x"


def test_object_acl_grants(grenier: GrenierServer, root_s3: Any) -> None:
    bucket = uid("oacl")
    root_s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    root_s3.put_object(Bucket=bucket, Key="open", Body=b"o", ACL="public-read")
    root_s3.put_object(Bucket=bucket, Key="closed", Body=b"c")
    assert http("GET", f"{grenier.endpoint}/{bucket}/open") == 200
    assert http("GET", f"{grenier.endpoint}/{bucket}/closed") == 403
    assert http("GET", f"{grenier.endpoint}/{bucket}") == 403
    assert http("DELETE", f"{grenier.endpoint}/{bucket}/open") == 403


def test_presigned_url_acts_as_its_signer(grenier: GrenierServer, make_user: Any, root_s3: Any, fresh_bucket: str) -> None:  # fmt: skip
    root_s3.put_object(Bucket=fresh_bucket, Key="k", Body=b"v")
    reader = make_user("arn:aws:iam::aws:policy/readonly")
    nobody = make_user()
    params = {"Bucket": fresh_bucket, "Key": "k"}
    assert http("GET", reader.s3.generate_presigned_url("get_object", Params=params)) == 200
    assert http("GET", nobody.s3.generate_presigned_url("get_object", Params=params)) == 403
    put = reader.s3.generate_presigned_url("put_object", Params={**params, "Key": "new"})
    assert http("PUT", put, b"x") == 403


def test_seed_anonymous_xarray_read(grenier: GrenierServer, make_user: Any, fresh_bucket: str, tmp_path: Path) -> None:  # fmt: skip
    writer = make_user(READWRITE)
    fs = s3fs.S3FileSystem(
        key=writer.access_key,
        secret=writer.secret_key,
        client_kwargs={"endpoint_url": grenier.endpoint},
    )
    ds = xr.Dataset({"tas": (("time", "x"), np.arange(24.0).reshape(6, 4))})
    ds.chunk({"time": 3}).to_zarr(
        s3fs.S3Map(f"{fresh_bucket}/ds.zarr", s3=fs, check=False), mode="w"
    )

    def read_anonymously() -> xr.Dataset:
        anon = s3fs.S3FileSystem(anon=True, client_kwargs={"endpoint_url": grenier.endpoint})
        return xr.open_zarr(s3fs.S3Map(f"{fresh_bucket}/ds.zarr", s3=anon, check=False)).load()

    with pytest.raises(PermissionError):
        read_anonymously()
    done = grenier_cli(grenier, tmp_path, "anonymous", "set", "download", f"t/{fresh_bucket}")
    assert done.returncode == 0, done.stderr
    xr.testing.assert_identical(read_anonymously(), ds)
    anon = s3fs.S3FileSystem(anon=True, client_kwargs={"endpoint_url": grenier.endpoint})
    with pytest.raises(PermissionError):
        anon.pipe(f"{fresh_bucket}/ds.zarr/evil", b"x")
