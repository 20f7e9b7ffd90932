"""Allow/deny matrix: each built-in policy and a prefix-scoped custom policy, every
relevant S3 operation performed by a real user through boto3 (expected 200 or 403)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.access.conftest import READONLY, READWRITE, WRITEONLY, User, outcome, uid

PART = b"p" * (5 * 1024 * 1024)
HARMLESS = "arn:aws:iam::000000000000:user/nobody"


def harmless_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [HARMLESS]},
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


Op = Callable[[Any, Any, str, str], Any]


def _seed(root: Any, bucket: str, prefix: str) -> str:
    key = f"{prefix}{uuid.uuid4().hex[:8]}"
    root.put_object(Bucket=bucket, Key=key, Body=b"seed")
    return key


def _upload(root: Any, bucket: str, prefix: str, with_part: bool = False) -> tuple[str, str, str]:
    key = f"{prefix}mpu-{uuid.uuid4().hex[:8]}"
    upload = root.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = ""
    if with_part:
        etag = root.upload_part(
            Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"tiny"
        )["ETag"]
    return key, upload, etag


def op_list(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    return lambda: user.list_objects_v2(Bucket=b, Prefix=p)


def op_get(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key = _seed(root, b, p)
    return lambda: user.get_object(Bucket=b, Key=key)["Body"].read()


def op_head(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key = _seed(root, b, p)
    return lambda: user.head_object(Bucket=b, Key=key)


def op_put(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    return lambda: user.put_object(Bucket=b, Key=f"{p}new-{uuid.uuid4().hex[:8]}", Body=b"x")


def op_copy(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key = _seed(root, b, p)
    source = {"Bucket": b, "Key": key}
    return lambda: user.copy_object(Bucket=b, Key=f"{key}-copy", CopySource=source)


def op_delete(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key = _seed(root, b, p)
    return lambda: user.delete_object(Bucket=b, Key=key)


def op_mpu_create(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    return lambda: user.create_multipart_upload(Bucket=b, Key=f"{p}mpu-{uuid.uuid4().hex[:8]}")


def op_mpu_upload(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key, upload, _ = _upload(root, b, p)
    return lambda: user.upload_part(Bucket=b, Key=key, UploadId=upload, PartNumber=1, Body=b"x")


def op_mpu_complete(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key, upload, etag = _upload(root, b, p, with_part=True)
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    return lambda: user.complete_multipart_upload(
        Bucket=b, Key=key, UploadId=upload, MultipartUpload=parts
    )


def op_mpu_abort(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    key, upload, _ = _upload(root, b, p)
    return lambda: user.abort_multipart_upload(Bucket=b, Key=key, UploadId=upload)


def op_get_policy(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    root.put_bucket_policy(Bucket=b, Policy=harmless_policy(b))
    return lambda: user.get_bucket_policy(Bucket=b)


def op_put_policy(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    return lambda: user.put_bucket_policy(Bucket=b, Policy=harmless_policy(b))


def op_delete_policy(user: Any, root: Any, b: str, p: str) -> Callable[[], Any]:
    root.put_bucket_policy(Bucket=b, Policy=harmless_policy(b))
    return lambda: user.delete_bucket_policy(Bucket=b)


OPS: dict[str, Op] = {
    "list": op_list,
    "get": op_get,
    "head": op_head,
    "put": op_put,
    "copy": op_copy,
    "delete": op_delete,
    "mpu-create": op_mpu_create,
    "mpu-upload": op_mpu_upload,
    "mpu-complete": op_mpu_complete,
    "mpu-abort": op_mpu_abort,
    "get-policy": op_get_policy,
    "put-policy": op_put_policy,
    "delete-policy": op_delete_policy,
}
READS = {"list", "get", "head"}
PUTS = {"put", "mpu-create", "mpu-upload", "mpu-complete"}
EXPECTED: dict[str, set[str]] = {  # policy -> operations it allows
    "readonly": READS,
    "readwrite": set(OPS),
    "writeonly": PUTS,
}
ARNS = {"readonly": READONLY, "readwrite": READWRITE, "writeonly": WRITEONLY}


@pytest.fixture(scope="module")
def users(make_user: Any) -> dict[str, User]:
    return {name: make_user(arn) for name, arn in ARNS.items()}


@pytest.fixture(scope="module")
def shared_bucket(root_s3: Any) -> str:
    name = uid("matrix")
    root_s3.create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("policy", list(EXPECTED))
def test_builtin_policy(
    policy: str, op: str, users: dict[str, User], root_s3: Any, shared_bucket: str
) -> None:
    call = OPS[op](users[policy].s3, root_s3, shared_bucket, f"{policy}/")
    expected = 200 if op in EXPECTED[policy] else 403
    assert outcome(call) == expected, f"{policy} {op}"


# --- a prefix-scoped custom policy (the classic "home folder") -------------------------------


def home_policy(bucket: str, prefix: str) -> dict[str, Any]:
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [arn],
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"{arn}/{prefix}*"],
            },
            {"Effect": "Allow", "Action": ["s3:AbortMultipartUpload"], "Resource": [f"{arn}/*"]},
            {
                "Effect": "Deny",
                "Action": ["s3:AbortMultipartUpload"],
                "NotResource": [f"{arn}/{prefix}*"],
            },
        ],
    }


HOME_OPS = set(OPS) - {"get-policy", "put-policy", "delete-policy"}


@pytest.fixture(scope="module")
def home(make_user: Any, shared_bucket: str) -> User:
    return make_user(document=home_policy(shared_bucket, "home/alice/"))


@pytest.mark.parametrize("inside", [True, False], ids=["inside", "outside"])
@pytest.mark.parametrize("op", list(OPS))
def test_prefix_scoped_policy(
    op: str, inside: bool, home: User, root_s3: Any, shared_bucket: str
) -> None:
    prefix = "home/alice/" if inside else "home/bob/"
    call = OPS[op](home.s3, root_s3, shared_bucket, prefix)
    expected = 200 if inside and op in HOME_OPS else 403
    assert outcome(call) == expected, f"{op} {prefix}"


def test_list_without_prefix_is_denied_to_home_user(home: User, shared_bucket: str) -> None:
    assert outcome(lambda: home.s3.list_objects_v2(Bucket=shared_bucket)) == 403


def test_list_buckets(users: dict[str, User]) -> None:
    assert outcome(users["readonly"].s3.list_buckets) == 200
    assert outcome(users["readwrite"].s3.list_buckets) == 200
    assert outcome(users["writeonly"].s3.list_buckets) == 403


def test_delete_objects_checks_each_key(users: dict[str, User], root_s3: Any, shared_bucket: str) -> None:  # fmt: skip
    key = f"batch/{uuid.uuid4().hex}"
    root_s3.put_object(Bucket=shared_bucket, Key=key, Body=b"x")
    batch = {"Objects": [{"Key": key}]}
    denied = users["readonly"].s3.delete_objects(Bucket=shared_bucket, Delete=batch)
    assert denied["Errors"][0]["Code"] == "AccessDenied"
    root_s3.head_object(Bucket=shared_bucket, Key=key)  # still there
    done = users["readwrite"].s3.delete_objects(Bucket=shared_bucket, Delete=batch)
    assert [d["Key"] for d in done["Deleted"]] == [key]
