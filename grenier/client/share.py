"""Presigned URLs: a GET for downloads, a PUT (plus a ready-to-run curl line) for uploads."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from grenier.client.errors import ClientError, errors
from grenier.client.session import Session

MAX_EXPIRY = timedelta(days=7)


@dataclass
class Share:
    url: str
    expires: datetime
    share: str = ""


def _seconds(expire: timedelta) -> int:
    if expire <= timedelta(0) or expire > MAX_EXPIRY:
        raise ClientError("--expire must be between 1s and 7d (S3's presigned URL limit)")
    return int(expire.total_seconds())


def _require_keys(session: Session) -> None:
    if session.alias.anonymous:
        raise ClientError(
            f"alias {session.name!r} is anonymous: presigned URLs need an access key",
            code="AccessDenied",
        )


def share_download(session: Session, bucket: str, key: str, expire: timedelta) -> Share:
    _require_keys(session)
    seconds = _seconds(expire)
    with errors(f"share {session.name}/{bucket}/{key}"):
        url = session.s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds
        )
    return Share(url=url, expires=datetime.now(UTC) + expire)


def share_upload(session: Session, bucket: str, key: str, expire: timedelta) -> Share:
    """A presigned PUT URL; ``share`` is the curl command that uses it."""
    _require_keys(session)
    seconds = _seconds(expire)
    with errors(f"share {session.name}/{bucket}/{key}"):
        url = session.s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds
        )
    curl = f"curl --upload-file <FILE> {shlex.quote(url)}"
    return Share(url=url, expires=datetime.now(UTC) + expire, share=curl)
