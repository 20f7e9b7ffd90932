"""Pure HTTP helpers: ranges, conditional headers, dates, ETags."""

from __future__ import annotations

import email.utils
import functools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from grenier.s3.errors import S3Error

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """S3's reading of a Range header: one range, or none (whole object).

    Syntactically invalid or multi-range headers are ignored (the whole object is
    returned), as S3 does; a well-formed range that does not overlap the object is
    416 InvalidRange.
    """
    if not header:
        return None
    match = RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise _invalid_range(size)
        if size == 0:
            raise _invalid_range(size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise _invalid_range(size)
    return ByteRange(start, min(end, size - 1))


def _invalid_range(size: int) -> S3Error:
    return S3Error(
        "InvalidRange",
        extra={"ActualObjectSize": str(size), "RangeRequested": ""},
        headers={"Content-Range": f"bytes */{size}"},
    )


@functools.lru_cache(maxsize=4096)
def _http_date(second: int) -> str:
    return email.utils.formatdate(second, usegmt=True)


def http_date(ts: float) -> str:
    return _http_date(int(ts))


@functools.lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def iso8601(ts: float) -> str:
    """``2026-11-25T13:52:59.123Z`` (listings format thousands of these per page)."""
    second = int(ts)
    return f"{_iso_second(second)}.{int((ts - second) * 1000):03d}Z"


def parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


def unquote_etag(value: str) -> str:
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def etag_matches(header: str, etag: str) -> bool:
    """An If-Match / If-None-Match list against an ETag (``*`` matches any)."""
    for item in header.split(","):
        item = item.strip()
        if item == "*" or unquote_etag(item) == etag:
            return True
    return False


def check_read_conditions(
    headers: Mapping[str, str],
    etag: str,
    last_modified: float,
    *,
    prefix: str = "",
) -> None:
    """Conditional GET/HEAD (or copy-source when ``prefix`` is "x-amz-copy-source-").

    Raises S3Error NotModified (304) or PreconditionFailed (412) following S3's
    precedence: If-Match true overrides If-Unmodified-Since; If-None-Match false
    overrides If-Modified-Since.
    """
    get = headers.get
    if_match = get(prefix + "if-match")
    if_none = get(prefix + "if-none-match")
    if_unmod = parse_http_date(get(prefix + "if-unmodified-since"))
    if_mod = parse_http_date(get(prefix + "if-modified-since"))
    modified = int(last_modified)
    failed = S3Error("PreconditionFailed", extra={"Condition": ""})
    not_modified = "PreconditionFailed" if prefix else "NotModified"
    if if_match is not None:
        if not etag_matches(if_match, etag):
            failed.extra["Condition"] = "If-Match"
            raise failed
    elif if_unmod is not None and modified > if_unmod:
        failed.extra["Condition"] = "If-Unmodified-Since"
        raise failed
    if if_none is not None:
        if etag_matches(if_none, etag):
            raise S3Error(not_modified, extra={"Condition": "If-None-Match"})
    elif if_mod is not None and modified <= if_mod:
        raise S3Error(not_modified, extra={"Condition": "If-Modified-Since"})


# Control characters (but tab) and lone surrogates cannot go into a response header:
# aiohttp would refuse to send it and drop the connection.
_NOT_IN_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


def header_argument(name: str, value: str) -> str:
    """A request value that is echoed as a response header (``response-content-type``
    and the other GetObject overrides): InvalidArgument if it could not be sent."""
    if _NOT_IN_HEADER.search(value):
        raise S3Error(
            "InvalidArgument",
            message=f"{name} must not contain control characters.",
            extra={"ArgumentName": name, "ArgumentValue": value},
        )
    return value


# Request headers whose value is stored with an object or acted upon as text.
STORED_HEADERS = frozenset(
    {"content-type", "content-encoding", "content-disposition", "content-language"}
    | {"cache-control", "expires"}
)


def check_header_text(headers: Mapping[str, str]) -> None:
    """``x-amz-*`` and stored headers must be text: bytes that are not UTF-8 (kept by
    aiohttp as lone surrogates) are InvalidArgument, never stored or echoed back."""
    for name, value in headers.items():
        if value.isascii():
            continue
        lower = name.lower()
        if not lower.startswith("x-amz-") and lower not in STORED_HEADERS:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise S3Error(
                "InvalidArgument",
                message=f"The value of {lower} is not valid UTF-8.",
                extra={"ArgumentName": lower, "ArgumentValue": value},
            ) from None
