"""Single-object operations: stat, server-side copy, cross-server copy, batch delete."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from grenier.client.errors import ClientError, errors
from grenier.client.session import Session
from grenier.client.transfer import Engine
from grenier.client.upload import _MD5_RE, Multipart, clean_etag, put_bytes, put_stream

MAX_COPY = 5 * 1024**3
DELETE_BATCH = 1000


def head(session: Session, bucket: str, key: str, version_id: str = "") -> dict[str, Any]:
    extra = {"VersionId": version_id} if version_id else {}
    with errors(f"stat {session.name}/{bucket}/{key}"):
        return dict(session.s3.head_object(Bucket=bucket, Key=key, **extra))


def exists(session: Session, bucket: str, key: str) -> bool:
    try:
        head(session, bucket, key)
        return True
    except ClientError as exc:
        if exc.code == "NoSuchKey":
            return False
        raise


def _source(bucket: str, key: str, version_id: str) -> dict[str, str]:
    source = {"Bucket": bucket, "Key": key}
    if version_id:
        source["VersionId"] = version_id
    return source


def _copy_large(
    engine: Engine,
    src: Session,
    source: dict[str, str],
    dst: Session,
    db: str,
    dk: str,
    size: int,
    extra: dict[str, Any],
) -> str:
    mpu = Multipart(engine, dst, db, dk, extra)
    part = max(engine.settings.part_size_for(size), 512 * 1024 * 1024)
    try:
        etags = []
        for number, start in enumerate(range(0, size, part), start=1):
            end = min(start + part, size) - 1
            resp = dst.s3.upload_part_copy(
                Bucket=db,
                Key=dk,
                UploadId=mpu.upload_id,
                PartNumber=number,
                CopySource=source,
                CopySourceRange=f"bytes={start}-{end}",
            )
            etags.append({"PartNumber": number, "ETag": resp["CopyPartResult"]["ETag"]})
            engine.reporter.advance(end - start + 1)
        resp = dst.s3.complete_multipart_upload(
            Bucket=db, Key=dk, UploadId=mpu.upload_id, MultipartUpload={"Parts": etags}
        )
        return clean_etag(resp.get("ETag"))
    except BaseException:
        mpu.abort()
        raise


def server_copy(
    engine: Engine,
    session: Session,
    src_bucket: str,
    src_key: str,
    bucket: str,
    key: str,
    size: int,
    src_etag: str,
    extra: dict[str, Any],
    version_id: str = "",
) -> str:
    """Copy inside one server (no bytes through the client)."""
    source = _source(src_bucket, src_key, version_id)
    if size > MAX_COPY:
        return _copy_large(engine, session, source, session, bucket, key, size, extra)
    directive = {"MetadataDirective": "REPLACE"} if extra else {}
    resp = session.s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource=source,
        **directive,
        **extra,
    )
    etag = clean_etag(resp.get("CopyObjectResult", {}).get("ETag"))
    if _MD5_RE.match(src_etag) and _MD5_RE.match(etag) and etag != src_etag:
        raise ClientError(f"copy {src_bucket}/{src_key}: checksum mismatch", code="BadDigest")
    engine.reporter.advance(size)
    return etag


def stream_copy(
    engine: Engine,
    src: Session,
    src_bucket: str,
    src_key: str,
    dst: Session,
    bucket: str,
    key: str,
    size: int,
    extra: dict[str, Any],
    version_id: str = "",
) -> str:
    """Copy between two servers: the source body streams into the target upload."""
    more = {"VersionId": version_id} if version_id else {}
    resp = src.s3.get_object(Bucket=src_bucket, Key=src_key, **more)
    if not extra:
        extra = {"ContentType": resp.get("ContentType") or "application/octet-stream"}
        if resp.get("Metadata"):
            extra["Metadata"] = resp["Metadata"]
    body = resp["Body"]
    if size < engine.settings.threshold:
        return put_bytes(engine, dst, bucket, key, body.read(), extra)
    return put_stream(engine, dst, body, bucket, key, extra)


def _delete_batch(session: Session, bucket: str, batch: list[dict[str, str]]) -> list[str]:
    resp = session.s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return [
        f"{e.get('Key')}: {e.get('Code')} {e.get('Message', '')}" for e in resp.get("Errors", [])
    ]


def batches(
    items: Iterable[dict[str, str]], size: int = DELETE_BATCH
) -> Iterator[list[dict[str, str]]]:
    batch: list[dict[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def delete_batch(session: Session, bucket: str, batch: list[dict[str, str]]) -> None:
    """DeleteObjects for up to 1000 keys; any per-key error fails the batch."""
    failures = _delete_batch(session, bucket, batch)
    if failures:
        raise ClientError(f"remove {session.name}/{bucket}: {failures[0]}", code="DeleteFailed")
