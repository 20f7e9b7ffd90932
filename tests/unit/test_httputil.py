"""Range and conditional-header parsing (pure)."""

from __future__ import annotations

import pytest

from grenier.s3.errors import S3Error
from grenier.s3.httputil import (
    ByteRange,
    check_read_conditions,
    http_date,
    parse_http_date,
    parse_range,
    unquote_etag,
)


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, ByteRange(0, 9)),
        ("bytes=10-", 100, ByteRange(10, 99)),
        ("bytes=-10", 100, ByteRange(90, 99)),
        ("bytes=-500", 100, ByteRange(0, 99)),
        ("bytes=90-500", 100, ByteRange(90, 99)),
        ("bytes=5-1", 100, None),
        ("items=0-1", 100, None),
        ("bytes=0-1,5-6", 100, None),
        (None, 100, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: ByteRange | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=0-", 0), ("bytes=-0", 10)]
)
def test_unsatisfiable_range(header: str, size: int) -> None:
    with pytest.raises(S3Error) as info:
        parse_range(header, size)
    assert info.value.code == "InvalidRange"
    assert info.value.http_status == 416
    assert info.value.headers["Content-Range"] == f"bytes */{size}"


def test_content_range() -> None:
    assert ByteRange(0, 9).content_range(100) == "bytes 0-9/100"


NOW = 1_700_000_000.0


def _check(headers: dict[str, str], etag: str = "abc", modified: float = NOW) -> str:
    try:
        check_read_conditions(headers, etag, modified)
    except S3Error as err:
        return err.code
    return "ok"


def test_conditions_follow_s3_precedence() -> None:
    before, after = http_date(NOW - 60), http_date(NOW + 60)
    assert _check({"if-match": '"abc"'}) == "ok"
    assert _check({"if-match": '"zzz"'}) == "PreconditionFailed"
    assert _check({"if-match": "*"}) == "ok"
    assert _check({"if-none-match": '"abc"'}) == "NotModified"
    assert _check({"if-none-match": '"zzz"'}) == "ok"
    assert _check({"if-modified-since": after}) == "NotModified"
    assert _check({"if-modified-since": before}) == "ok"
    assert _check({"if-unmodified-since": before}) == "PreconditionFailed"
    # If-Match true wins over If-Unmodified-Since false
    assert _check({"if-match": '"abc"', "if-unmodified-since": before}) == "ok"
    # If-None-Match false (no match) wins over If-Modified-Since "not modified"
    assert _check({"if-none-match": '"zzz"', "if-modified-since": after}) == "ok"


def test_copy_source_conditions_are_412() -> None:
    with pytest.raises(S3Error) as info:
        check_read_conditions(
            {"x-amz-copy-source-if-none-match": '"abc"'}, "abc", NOW, prefix="x-amz-copy-source-"
        )
    assert info.value.code == "PreconditionFailed"


def test_dates_and_etags() -> None:
    assert parse_http_date(http_date(NOW)) == NOW
    assert parse_http_date("garbage") is None
    assert unquote_etag('"x-2"') == "x-2"
    assert unquote_etag('W/"x"') == "x"
