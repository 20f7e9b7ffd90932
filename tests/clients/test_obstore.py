"""obstore (Rust ``object_store``) S3Store against Grenier over plain HTTP.

put/get/head/list/delete with odd keys, ranged and multi-range reads, streaming GET,
multipart put (with and without SHA-256 checksums), copy/rename, conditional put
(create-only, If-Match) and conditional GET, presigned URLs, error mapping.
"""

from __future__ import annotations

import base64
import hashlib
import os
import urllib.request
from datetime import timedelta
from typing import Any

import obstore as obs
import pytest
from obstore.exceptions import (
    AlreadyExistsError,
    NotModifiedError,
    PreconditionError,
)
from obstore.store import S3Store

from tests.clients.tools import MIB, ODD_NAMES, parts_of
from tests.servers import GrenierServer


def make_store(grenier: GrenierServer, bucket: str, **config: Any) -> S3Store:
    return S3Store(
        bucket,
        endpoint=grenier.endpoint,
        access_key_id=grenier.access_key,
        secret_access_key=grenier.secret_key,
        region=grenier.region,
        client_options={"allow_http": True},
        **config,
    )


@pytest.fixture
def store(grenier: GrenierServer, bucket: str) -> S3Store:
    return make_store(grenier, bucket)


def paths(store: S3Store, prefix: str | None = None) -> list[str]:
    return sorted(o["path"] for batch in obs.list(store, prefix=prefix) for o in batch)


def test_put_get_head_list_delete(store: S3Store) -> None:
    objects = {f"d/{n}": f"obstore {n}".encode() for n in ODD_NAMES}
    for key, data in objects.items():
        obs.put(store, key, data)
    for key, data in objects.items():
        assert bytes(obs.get(store, key).bytes()) == data
    head = obs.head(store, "d/with space.nc")
    assert head["size"] == len(objects["d/with space.nc"])
    assert paths(store) == sorted(objects)
    assert paths(store, "d/sub") == sorted(k for k in objects if k.startswith("d/sub/"))

    listed = obs.list_with_delimiter(store, "d")
    assert sorted(o["path"] for o in listed["objects"]) == sorted(
        k for k in objects if "/" not in k[2:]
    )
    assert listed["common_prefixes"] == ["d/sub"]
    assert paths_after(store, "d/sub/a") == sorted(k for k in objects if k > "d/sub/a")

    obs.delete(store, list(objects))
    assert paths(store) == []
    with pytest.raises(FileNotFoundError):
        obs.get(store, "d/plain.txt")


def paths_after(store: S3Store, offset: str) -> list[str]:
    return sorted(o["path"] for batch in obs.list(store, offset=offset) for o in batch)


def test_ranges_and_streaming(store: S3Store) -> None:
    data = os.urandom(3 * MIB + 5)
    obs.put(store, "r.bin", data)
    assert bytes(obs.get_range(store, "r.bin", start=10, end=1010)) == data[10:1010]
    got = obs.get_ranges(
        store, "r.bin", starts=[0, MIB, len(data) - 5], ends=[7, 2 * MIB, len(data)]
    )
    assert [bytes(g) for g in got] == [data[:7], data[MIB : 2 * MIB], data[-5:]]
    tail = obs.get(store, "r.bin", options={"range": {"offset": len(data) - 100}})
    assert bytes(tail.bytes()) == data[-100:]
    suffix = obs.get(store, "r.bin", options={"range": {"suffix": 42}})
    assert bytes(suffix.bytes()) == data[-42:]
    streamed = b"".join(bytes(chunk) for chunk in obs.get(store, "r.bin"))
    assert streamed == data


@pytest.mark.parametrize("checksum", [None, "sha256"])
def test_multipart_put(grenier: GrenierServer, bucket: str, s3: Any, checksum: str | None) -> None:
    store = make_store(grenier, bucket, **({"checksum_algorithm": checksum} if checksum else {}))
    data = os.urandom(12 * MIB + 3)
    result = obs.put(store, "big é.bin", data, chunk_size=5 * MIB)
    assert parts_of(result["e_tag"] or "") == 3
    assert obs.head(store, "big é.bin")["size"] == len(data)
    assert bytes(obs.get(store, "big é.bin").bytes()) == data
    head = s3.head_object(Bucket=bucket, Key="big é.bin", ChecksumMode="ENABLED")
    assert head["ETag"] == result["e_tag"]
    if checksum:  # every part carried x-amz-checksum-sha256: the server keeps the composite
        assert head["ChecksumType"] == "COMPOSITE"
        assert head["ChecksumSHA256"].endswith("-3")
        obs.put(store, "small", b"hello")
        small = s3.head_object(Bucket=bucket, Key="small", ChecksumMode="ENABLED")
        assert (
            small["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"hello").digest()).decode()
        )


def test_copy_rename_and_conditions(store: S3Store, grenier: GrenierServer, bucket: str) -> None:
    obs.put(store, "src", b"first")
    obs.copy(store, "src", "copy +%")
    obs.rename(store, "copy +%", "renamed")
    assert paths(store) == ["renamed", "src"]
    assert bytes(obs.get(store, "renamed").bytes()) == b"first"

    # Copy-if-not-exists the S3 way: UploadPartCopy + CompleteMultipartUpload If-None-Match: *.
    guarded = make_store(grenier, bucket, copy_if_not_exists="multipart")
    obs.copy(guarded, "src", "fresh", overwrite=False)
    assert bytes(obs.get(store, "fresh").bytes()) == b"first"
    with pytest.raises(AlreadyExistsError):
        obs.copy(guarded, "src", "renamed", overwrite=False)

    obs.put(store, "once", b"1", mode="create")
    with pytest.raises(AlreadyExistsError):
        obs.put(store, "once", b"2", mode="create")

    etag = obs.head(store, "src")["e_tag"]
    obs.put(store, "src", b"second", mode={"e_tag": etag})
    with pytest.raises(PreconditionError):
        obs.put(store, "src", b"third", mode={"e_tag": etag})
    assert bytes(obs.get(store, "src").bytes()) == b"second"

    new_etag = obs.head(store, "src")["e_tag"]
    with pytest.raises(NotModifiedError):
        obs.get(store, "src", options={"if_none_match": new_etag})
    with pytest.raises(PreconditionError):
        obs.get(store, "src", options={"if_match": etag})
    assert bytes(obs.get(store, "src", options={"if_match": new_etag}).bytes()) == b"second"


def test_presigned_url_and_missing(store: S3Store) -> None:
    obs.put(store, "signed é.txt", b"signed")
    url = obs.sign(store, "GET", "signed é.txt", timedelta(minutes=5))
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"signed"
    with pytest.raises(FileNotFoundError):
        obs.head(store, "missing")
