"""Crash points inside the commit (issue 12, "strengthen the proofs").

The server is started with ``GRENIER_TEST_KILL_POINT=POINT:victim``: a write of the key
``victim`` SIGKILLs the server (``--workers 1``: the whole process tree)

* ``after-publish``: its data file is renamed into place, the index commit not made;
* ``after-commit``: the commit is durable, the client not yet answered.

After a restart: the interrupted write is absent (after-publish) or complete
(after-commit), every acknowledged write reads back byte for byte, and the store audit
passes (no temp file, no orphan data file, nothing missing, usage counters equal to
the rows, SQLite integrity).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.durability.audit import assert_store_clean
from tests.s3.helpers import etag_of, multipart_etag
from tests.servers import GrenierServer

pytestmark = pytest.mark.slow

KIB, MIB = 1024, 1024 * 1024
BUCKET = "crash"


def client(server: GrenierServer) -> Any:
    """No retries: a request the kill interrupts must fail, not be re-sent."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@dataclass
class Store:
    """What the client was told is stored (key -> bytes), and the upload in progress."""

    s3: Any
    acked: dict[str, bytes] = field(default_factory=dict)
    upload_id: str = ""
    part_etags: list[str] = field(default_factory=list)
    parts: list[bytes] = field(default_factory=list)

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        self.acked[key] = data

    def start_upload(self, *parts: bytes) -> None:
        self.upload_id = self.s3.create_multipart_upload(Bucket=BUCKET, Key="victim")["UploadId"]
        for number, data in enumerate(parts, start=1):
            self.part_etags.append(self.upload(number, data))
            self.parts.append(data)

    def upload(self, number: int, data: bytes) -> str:
        return str(
            self.s3.upload_part(
                Bucket=BUCKET, Key="victim", UploadId=self.upload_id, PartNumber=number, Body=data
            )["ETag"]
        )

    def complete(self) -> None:
        parts = [{"PartNumber": n, "ETag": e} for n, e in enumerate(self.part_etags, start=1)]
        self.s3.complete_multipart_upload(
            Bucket=BUCKET, Key="victim", UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )


OLD = os.urandom(300 * KIB)
NEW_FILE = os.urandom(400 * KIB)
NEW_INLINE = os.urandom(2 * KIB)
PART1, PART2 = os.urandom(5 * MIB), os.urandom(100 * KIB)


@dataclass
class Scenario:
    prepare: Callable[[Store], None]
    interrupted: Callable[[Store], None]
    done: bytes | None  # the victim's bytes when the interrupted write took effect
    parts_done: int = 0  # parts listed for the upload when it took effect (0: no upload)
    parts_not_done: int = 0


def _upload_part(store: Store) -> None:
    store.upload(2, PART2)


SCENARIOS = {
    "put-file": Scenario(lambda s: None, lambda s: s.put("victim", NEW_FILE), NEW_FILE),
    "put-inline": Scenario(lambda s: None, lambda s: s.put("victim", NEW_INLINE), NEW_INLINE),
    "copy": Scenario(
        lambda s: None,
        lambda s: s.s3.copy_object(
            Bucket=BUCKET, Key="victim", CopySource={"Bucket": BUCKET, "Key": "keep-file"}
        ),
        None,  # filled below: the copy's source
    ),
    "upload-part": Scenario(
        lambda s: s.start_upload(PART1), _upload_part, OLD, parts_done=2, parts_not_done=1
    ),
    "complete": Scenario(
        lambda s: s.start_upload(PART1, PART2),
        lambda s: s.complete(),
        PART1 + PART2,
        parts_done=0,
        parts_not_done=2,
    ),
    "delete": Scenario(
        lambda s: None, lambda s: s.s3.delete_object(Bucket=BUCKET, Key="victim"), b""
    ),
}


@pytest.mark.parametrize("point", ["after-publish", "after-commit"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_kill_inside_the_commit(tmp_path: Path, point: str, name: str) -> None:
    data_dir = tmp_path / "data"
    scenario = SCENARIOS[name]
    env = {"GRENIER_TEST_KILL_POINT": f"{point}:victim"}
    server = GrenierServer.start(data_dir, "--workers", "1")
    try:
        store = Store(client(server))
        store.s3.create_bucket(Bucket=BUCKET)
        store.put("keep-file", os.urandom(300 * KIB))
        store.put("keep-inline", os.urandom(3 * KIB))
        store.put("victim", OLD)
        scenario.prepare(store)
        server.stop()
        server.launch(env=env)
        store.s3 = client(server)
        with pytest.raises(BotoCoreError):
            scenario.interrupted(store)
        assert server.proc is not None and server.proc.wait(30) == -9
        server.launch()
        check(server, store, scenario, name, took_effect=point == "after-commit")
    finally:
        server.stop()


def check(
    server: GrenierServer, store: Store, scenario: Scenario, name: str, took_effect: bool
) -> None:
    s3 = client(server)
    for key, data in store.acked.items():
        if key == "victim":
            continue
        got = s3.get_object(Bucket=BUCKET, Key=key)
        assert got["Body"].read() == data and got["ETag"] == etag_of(data)
    expected = OLD
    if took_effect:
        expected = store.acked["keep-file"] if name == "copy" else scenario.done or b""
    if took_effect and name == "delete":
        with pytest.raises(ClientError) as exc:
            s3.head_object(Bucket=BUCKET, Key="victim")
        assert exc.value.response["Error"]["Code"] == "404"
    else:
        got = s3.get_object(Bucket=BUCKET, Key="victim")
        assert got["Body"].read() == expected
        parts = [PART1, PART2] if took_effect and name == "complete" else None
        assert got["ETag"] == (multipart_etag(parts) if parts else etag_of(expected))
    if store.upload_id:
        wanted = scenario.parts_done if took_effect else scenario.parts_not_done
        if wanted:
            listed = s3.list_parts(Bucket=BUCKET, Key="victim", UploadId=store.upload_id)
            assert len(listed.get("Parts", [])) == wanted
        else:
            uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
            assert uploads == []
    assert_store_clean(server.data_dir)
