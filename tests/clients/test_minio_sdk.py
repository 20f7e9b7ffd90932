"""The MinIO Python SDK (``minio``) against Grenier, plain HTTP (secure=False)."""

from __future__ import annotations

import datetime
import io
import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.commonconfig import ENABLED, ComposeSource, CopySource, Tags
from minio.datatypes import PostPolicy
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from tests.clients.tools import MIB, ODD_NAMES, parts_of
from tests.servers import GrenierServer


@pytest.fixture
def mc(grenier: GrenierServer) -> Minio:
    host = grenier.endpoint.split("://", 1)[1]
    return Minio(
        host,
        access_key=grenier.access_key,
        secret_key=grenier.secret_key,
        secure=False,
        region=grenier.region,
    )


@pytest.fixture
def mbucket(mc: Minio) -> str:
    name = f"minio-{uuid.uuid4().hex[:12]}"
    mc.make_bucket(name)
    return name


def fetch(url: str, data: bytes | None = None, method: str = "GET") -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_bucket_lifecycle(mc: Minio) -> None:
    name = f"minio-{uuid.uuid4().hex[:12]}"
    assert not mc.bucket_exists(name)
    mc.make_bucket(name)
    assert mc.bucket_exists(name)
    assert name in [b.name for b in mc.list_buckets()]
    with pytest.raises(S3Error) as exc:
        mc.make_bucket(name)
    assert exc.value.code == "BucketAlreadyOwnedByYou"
    mc.remove_bucket(name)
    assert not mc.bucket_exists(name)


def test_put_get_stat_list_remove(mc: Minio, mbucket: str) -> None:
    objects = {f"d/{n}": f"bytes of {n}".encode() for n in ODD_NAMES}
    for key, data in objects.items():
        mc.put_object(
            mbucket, key, io.BytesIO(data), len(data),
            content_type="text/plain", metadata={"x-amz-meta-origin": "minio-sdk"},
        )  # fmt: skip
    for key, data in objects.items():
        resp = mc.get_object(mbucket, key)
        try:
            assert resp.read() == data
        finally:
            resp.close()
            resp.release_conn()
    key = "d/with space.nc"
    st = mc.stat_object(mbucket, key)
    assert st.size == len(objects[key])
    assert st.content_type == "text/plain"
    assert st.metadata["x-amz-meta-origin"] == "minio-sdk"
    assert mc.get_object(mbucket, key, offset=3, length=4).read() == objects[key][3:7]

    recursive = sorted(o.object_name for o in mc.list_objects(mbucket, recursive=True))
    assert recursive == sorted(objects)
    top = sorted(o.object_name for o in mc.list_objects(mbucket, prefix="d/"))
    assert top == sorted(
        {k if "/" not in k[2:] else "d/" + k[2:].split("/")[0] + "/" for k in objects}
    )

    errors = list(mc.remove_objects(mbucket, [DeleteObject(k) for k in objects]))
    assert errors == []
    assert list(mc.list_objects(mbucket, recursive=True)) == []

    with pytest.raises(S3Error) as exc:
        mc.stat_object(mbucket, key)
    assert exc.value.code == "NoSuchKey"


def test_fput_fget_multipart(mc: Minio, mbucket: str, tmp_path: Path) -> None:
    data = os.urandom(12 * MIB + 17)
    (tmp_path / "big.bin").write_bytes(data)
    result = mc.fput_object(mbucket, "big/f é.bin", str(tmp_path / "big.bin"), part_size=5 * MIB)
    assert parts_of(result.etag) == 3
    mc.fget_object(mbucket, "big/f é.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == data

    # Unknown length (a stream): the SDK must use multipart with the given part size.
    result = mc.put_object(mbucket, "big/stream", io.BytesIO(data), -1, part_size=5 * MIB)
    assert parts_of(result.etag) == 3
    assert mc.stat_object(mbucket, "big/stream").etag == result.etag
    assert mc.get_object(mbucket, "big/stream").read() == data


def test_copy_and_compose(mc: Minio, mbucket: str) -> None:
    a, b = os.urandom(6 * MIB), os.urandom(5 * MIB + 7)
    mc.put_object(mbucket, "a", io.BytesIO(a), len(a))
    mc.put_object(mbucket, "src é+%.bin", io.BytesIO(b), len(b))
    mc.copy_object(mbucket, "copy", CopySource(mbucket, "src é+%.bin"))
    assert mc.get_object(mbucket, "copy").read() == b
    # compose_object = multipart upload of UploadPartCopy parts.
    result = mc.compose_object(
        mbucket, "composed", [ComposeSource(mbucket, "a"), ComposeSource(mbucket, "src é+%.bin")]
    )
    assert parts_of(result.etag) == 2
    assert mc.get_object(mbucket, "composed").read() == a + b


def test_presigned_get_put_post(mc: Minio, mbucket: str, grenier: GrenierServer) -> None:
    mc.put_object(mbucket, "p/é x+%.txt", io.BytesIO(b"presigned"), 9)
    assert fetch(mc.presigned_get_object(mbucket, "p/é x+%.txt")) == (200, b"presigned")

    status, _ = fetch(mc.presigned_put_object(mbucket, "p/put.txt"), b"via put", "PUT")
    assert status == 200
    assert mc.get_object(mbucket, "p/put.txt").read() == b"via put"

    policy = PostPolicy(mbucket, datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    policy.add_starts_with_condition("key", "uploads/")
    form = mc.presigned_post_policy(policy)
    body, ctype = multipart_form({**form, "key": "uploads/form.txt"}, b"via post")
    req = urllib.request.Request(
        f"{grenier.endpoint}/{mbucket}",
        data=body,
        headers={"Content-Type": ctype},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status in (200, 201, 204)
    assert mc.get_object(mbucket, "uploads/form.txt").read() == b"via post"


def multipart_form(fields: dict[str, str], file_data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    out.write(file_data + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_tags_and_versioning(mc: Minio, mbucket: str) -> None:
    mc.put_object(mbucket, "t", io.BytesIO(b"x"), 1)
    tags = Tags.new_object_tags()
    tags["project"] = "portail ing"
    mc.set_object_tags(mbucket, "t", tags)
    assert dict(mc.get_object_tags(mbucket, "t") or {}) == {"project": "portail ing"}

    mc.set_bucket_versioning(mbucket, VersioningConfig(ENABLED))
    assert mc.get_bucket_versioning(mbucket).status == ENABLED
    v1 = mc.put_object(mbucket, "v", io.BytesIO(b"one"), 3).version_id
    v2 = mc.put_object(mbucket, "v", io.BytesIO(b"two"), 3).version_id
    assert v1 and v2 and v1 != v2
    assert mc.get_object(mbucket, "v", version_id=v1).read() == b"one"
    assert mc.get_object(mbucket, "v").read() == b"two"
    versions = [o.version_id for o in mc.list_objects(mbucket, prefix="v", include_version=True)]
    assert versions == [v2, v1]


def test_bucket_policy_allows_anonymous_read(
    mc: Minio, mbucket: str, grenier: GrenierServer
) -> None:
    mc.put_object(mbucket, "pub/data.txt", io.BytesIO(b"public"), 6)
    url = f"{grenier.endpoint}/{mbucket}/pub/data.txt"
    assert fetch(url)[0] == 403

    with pytest.raises(S3Error) as exc:
        mc.get_bucket_policy(mbucket)
    assert exc.value.code == "NoSuchBucketPolicy"

    policy: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{mbucket}/pub/*"],
            }
        ],
    }
    mc.set_bucket_policy(mbucket, json.dumps(policy))
    assert json.loads(mc.get_bucket_policy(mbucket)) == policy
    assert fetch(url) == (200, b"public")
    mc.put_object(mbucket, "private.txt", io.BytesIO(b"secret"), 6)
    assert fetch(f"{grenier.endpoint}/{mbucket}/private.txt")[0] == 403

    mc.delete_bucket_policy(mbucket)
    assert fetch(url)[0] == 403
