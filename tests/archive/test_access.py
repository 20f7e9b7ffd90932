"""Archive buckets are read-only for everyone (root included), and their access is
governed like any bucket's: nothing anonymous until ``grenier anonymous set download``,
users by their policies, bucket settings kept."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
import s3fs
import xarray as xr
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.archive.conftest import BUCKET, grenier_cli, http, storage_options
from tests.archive.tree import walk_keys
from tests.servers import GrenierServer

WRITES: dict[str, Callable[[Any], Any]] = {
    "PutObject": lambda s3: s3.put_object(Bucket=BUCKET, Key="new.txt", Body=b"x"),
    "PutObject over a file": lambda s3: s3.put_object(Bucket=BUCKET, Key="notnc.txt", Body=b"x"),
    "CopyObject": lambda s3: s3.copy_object(
        Bucket=BUCKET, Key="copy.txt", CopySource={"Bucket": BUCKET, "Key": "notnc.txt"}
    ),
    "DeleteObject": lambda s3: s3.delete_object(Bucket=BUCKET, Key="notnc.txt"),
    "DeleteObjects": lambda s3: s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": "notnc.txt"}]}
    ),
    "CreateMultipartUpload": lambda s3: s3.create_multipart_upload(Bucket=BUCKET, Key="m.bin"),
    "PutObjectTagging": lambda s3: s3.put_object_tagging(
        Bucket=BUCKET, Key="notnc.txt", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
    ),
    "DeleteObjectTagging": lambda s3: s3.delete_object_tagging(Bucket=BUCKET, Key="notnc.txt"),
    "PutObjectAcl": lambda s3: s3.put_object_acl(Bucket=BUCKET, Key="notnc.txt", ACL="private"),
    "PutBucketVersioning": lambda s3: s3.put_bucket_versioning(
        Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
    ),
    "PutBucketLifecycleConfiguration": lambda s3: s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={
            "Rules": [{"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]
        },
    ),
    "DeleteBucket": lambda s3: s3.delete_bucket(Bucket=BUCKET),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_is_access_denied_even_for_root(s3: Any, archive_root: Path, name: str) -> None:
    before = walk_keys(archive_root)
    with pytest.raises(ClientError) as err:
        WRITES[name](s3)
    assert err.value.response["Error"]["Code"] == "AccessDenied", name
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert walk_keys(archive_root) == before
    assert (archive_root / "notnc.txt").read_bytes() == b"not a netCDF file\n"


def test_post_upload_refused(archive_server: GrenierServer, s3: Any) -> None:
    post = s3.generate_presigned_post(BUCKET, "posted.txt")
    import requests

    resp = requests.post(post["url"], data=post["fields"], files={"file": b"x"}, timeout=30)
    assert resp.status_code == 403
    assert b"<Code>AccessDenied</Code>" in resp.content


def test_copy_from_archive_into_a_normal_bucket(s3: Any, archive_root: Path) -> None:
    """Reading is allowed, so an archive file is a valid copy source; the copy gets its
    own bytes and a real MD5 ETag."""
    target = f"copy-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=target)
    key = "cmip/day/tas_day_2001.nc"
    s3.copy_object(Bucket=target, Key="t.nc", CopySource={"Bucket": BUCKET, "Key": key})
    data = (archive_root / key).read_bytes()
    got = s3.get_object(Bucket=target, Key="t.nc")
    assert got["Body"].read() == data
    import hashlib

    assert got["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    part = s3.create_multipart_upload(Bucket=target, Key="p.nc")
    done = s3.upload_part_copy(
        Bucket=target,
        Key="p.nc",
        UploadId=part["UploadId"],
        PartNumber=1,
        CopySource={"Bucket": BUCKET, "Key": key},
        CopySourceRange="bytes=100-1099",
    )
    s3.complete_multipart_upload(
        Bucket=target,
        Key="p.nc",
        UploadId=part["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": done["CopyPartResult"]["ETag"]}]},
    )
    assert s3.get_object(Bucket=target, Key="p.nc")["Body"].read() == data[100:1100]


def test_anonymous_nothing_until_download_policy(
    archive_server: GrenierServer, s3: Any, archive_root: Path, tmp_path: Path
) -> None:
    url = f"{archive_server.endpoint}/{BUCKET}"
    assert http("GET", f"{url}/notnc.txt")[0] == 403
    assert http("GET", f"{url}?list-type=2")[0] == 403
    done = grenier_cli(archive_server, tmp_path, "anonymous", "set", "download", f"t/{BUCKET}")
    assert done.returncode == 0, done.stderr
    try:
        assert http("GET", f"{url}/notnc.txt") == (200, b"not a netCDF file\n")
        status, body = http("GET", f"{url}?list-type=2&prefix=odd/&delimiter=/")
        assert status == 200 and b"<Prefix>odd/deep/</Prefix>" in body
        assert http("PUT", f"{url}/x.txt")[0] == 403
        fs = s3fs.S3FileSystem(**storage_options(archive_server, anonymous=True))
        expected = [f"{BUCKET}/{k}" for k in walk_keys(archive_root) if k.startswith("cmip/")]
        assert sorted(fs.find(f"{BUCKET}/cmip")) == sorted(expected)
        path = archive_root / "cmip" / "day" / "tas_day_2000.nc"
        assert fs.cat(f"{BUCKET}/cmip/day/tas_day_2000.nc") == path.read_bytes()
        # the seed's anonymous xarray read, over the virtual Zarr store
        ds = xr.open_zarr(
            f"s3://{BUCKET}/cmip/day/tas_day_2000.nc.zarr",
            storage_options=storage_options(archive_server, anonymous=True),
        )
        with xr.open_dataset(path) as local:
            xr.testing.assert_identical(ds.load(), local.load())
    finally:
        done = grenier_cli(archive_server, tmp_path, "anonymous", "set", "none", f"t/{BUCKET}")
        assert done.returncode == 0, done.stderr
    assert http("GET", f"{url}/notnc.txt")[0] == 403


def test_users_by_their_policies(archive_server: GrenierServer) -> None:
    iam = archive_server.client("iam")
    name = f"reader-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    keys = iam.create_access_key(UserName=name)["AccessKey"]
    user = boto3.client(
        "s3",
        endpoint_url=archive_server.endpoint,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as err:
        user.get_object(Bucket=BUCKET, Key="notnc.txt")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}/odd/*"],
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}"],
            },
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="odd", PolicyDocument=json.dumps(policy))
    assert user.get_object(Bucket=BUCKET, Key="odd/.hidden")["Body"].read() == b"dot file\n"
    with pytest.raises(ClientError) as err:
        user.get_object(Bucket=BUCKET, Key="notnc.txt")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert user.list_objects_v2(Bucket=BUCKET, Prefix="odd/.")["KeyCount"] == 1
    iam.put_user_policy(
        UserName=name,
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    with pytest.raises(ClientError) as err:
        user.put_object(Bucket=BUCKET, Key="odd/new.txt", Body=b"x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_bucket_settings_are_kept(s3: Any) -> None:
    s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "source", "Value": "thredds"}]}
    )
    assert s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"] == [{"Key": "source", "Value": "thredds"}]
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    assert s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"][0]["AllowedMethods"] == ["GET"]
    s3.delete_bucket_cors(Bucket=BUCKET)
    s3.delete_bucket_tagging(Bucket=BUCKET)
    with pytest.raises(ClientError) as err:
        s3.create_bucket(Bucket=BUCKET)
    assert err.value.response["Error"]["Code"] == "BucketAlreadyOwnedByYou"


def test_unsigned_client_listing(archive_server: GrenierServer) -> None:
    anon = boto3.client(
        "s3",
        endpoint_url=archive_server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=botocore.UNSIGNED, s3={"addressing_style": "path"}),
    )
    with pytest.raises(ClientError) as err:
        anon.list_objects_v2(Bucket=BUCKET)
    assert err.value.response["Error"]["Code"] == "AccessDenied"
