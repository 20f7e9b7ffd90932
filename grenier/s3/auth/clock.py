"""Request timestamps: parsing the formats S3 accepts and the skew rules."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from grenier.s3.errors import S3Error

MAX_SKEW = timedelta(minutes=15)
ISO_BASIC = "%Y%m%dT%H%M%SZ"


@functools.lru_cache(maxsize=256)
def parse_amz_date(text: str) -> datetime | None:
    """``20130524T000000Z`` -> aware datetime, or None if malformed."""
    try:
        return datetime.strptime(text, ISO_BASIC).replace(tzinfo=UTC)
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def parse_http_date(text: str) -> datetime | None:
    """An RFC 1123 (or ISO basic) date, as found in ``Date`` / ``x-amz-date``."""
    iso = parse_amz_date(text)
    if iso is not None:
        return iso
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=256)
def iso_basic(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ISO_BASIC)


def check_skew(request_time: datetime, now: datetime, raw: str) -> None:
    """RequestTimeTooSkewed when the request is more than 15 minutes off."""
    if abs(now - request_time) > MAX_SKEW:
        raise S3Error(
            "RequestTimeTooSkewed",
            extra={
                "RequestTime": raw,
                "ServerTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "MaxAllowedSkewMilliseconds": "900000",
            },
        )


def check_window(signed_at: datetime, expires: int, now: datetime) -> None:
    """A presigned request is valid from ``signed_at`` (give or take skew) to +expires."""
    if signed_at - now > MAX_SKEW:
        raise S3Error("AccessDenied", message="Request is not valid yet")
    end = signed_at + timedelta(seconds=expires)
    if now > end:
        raise S3Error(
            "AccessDenied",
            message="Request has expired",
            extra={
                "X-Amz-Expires": str(expires),
                "Expires": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ServerTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
