"""Bucket operations: make, remove (optionally with everything inside), versioning state."""

from __future__ import annotations

from collections.abc import Iterator

from grenier.client.errors import ClientError, errors
from grenier.client.listing import iter_objects, iter_uploads, iter_versions
from grenier.client.objects import batches, delete_batch
from grenier.client.session import Session


def make_bucket(session: Session, bucket: str, *, ignore_existing: bool = False) -> bool:
    """Create ``bucket``; False when it already existed and ``ignore_existing``.

    Existence is checked first: AWS us-east-1 (and moto) answer 200 to a CreateBucket
    of a bucket one already owns, which would hide the mistake.
    """
    if bucket_exists(session, bucket):
        if ignore_existing:
            return False
        raise ClientError(
            f"make bucket {session.name}/{bucket}: bucket already exists",
            code="BucketAlreadyOwnedByYou",
        )
    try:
        with errors(f"make bucket {session.name}/{bucket}"):
            session.s3.create_bucket(Bucket=bucket)
        return True
    except ClientError as exc:
        if ignore_existing and exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            return False
        raise


def bucket_exists(session: Session, bucket: str) -> bool:
    try:
        with errors(f"stat {session.name}/{bucket}"):
            session.s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as exc:
        if exc.code in ("NoSuchBucket", "NoSuchKey"):
            return False
        raise


def _all_versions(session: Session, bucket: str) -> Iterator[dict[str, str]]:
    """Every version (or, where versions are not supported, every object)."""
    try:
        for e in iter_versions(session, bucket):
            yield {"Key": e.key, "VersionId": e.version_id} if e.version_id else {"Key": e.key}
    except ClientError as exc:
        if "not supported" not in str(exc):
            raise
        yield from ({"Key": e.key} for e in iter_objects(session, bucket))


def empty_bucket(session: Session, bucket: str) -> int:
    """Delete every version, delete marker and incomplete upload; returns objects removed."""
    removed = 0
    for batch in batches(_all_versions(session, bucket)):
        with errors(f"remove objects in {session.name}/{bucket}"):
            delete_batch(session, bucket, [{k: v for k, v in b.items() if v} for b in batch])
        removed += len(batch)
    for upload in iter_uploads(session, bucket):
        with errors(f"abort upload {upload['Key']}"):
            session.s3.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
    return removed


def remove_bucket(session: Session, bucket: str, *, force: bool = False) -> int:
    removed = empty_bucket(session, bucket) if force else 0
    with errors(f"remove bucket {session.name}/{bucket}"):
        session.s3.delete_bucket(Bucket=bucket)
    return removed
