"""ListObjects (V1) and ListObjectsV2: prefixes, delimiters, pagination, encoding, odd keys.

Expected results come from a small reference model (:func:`reference`) of the
documented algorithm: keys sorted by UTF-8 bytes, grouped into CommonPrefixes at the
first delimiter after the prefix, and every key or common prefix counts toward max-keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import pytest

from tests.s3.helpers import unique
from tests.servers import S3Endpoint

# Keys are opaque strings: none of these is normalised, merged or treated as a path.
ODD_KEYS = [
    "a",
    "a/b",
    "a/c/d",
    "a b",
    "a+b",
    "a%2Fb",
    "pct%",
    "dbl//slash",
    "dbl/slash",
    "dots/../x",
    "a/../b",
    "..",
    ".",
    "trail/",
    "trail",
    "x/",
    "x/y",
    "\u00e9t\u00e9/\u00fc",  # NFC
    "e\u0301te\u0301/u\u0308",  # NFD: a different key
    "\u65e5\u672c/\u30ad\u30fc",
    "emoji-\U0001f30d",
    "tab\tand~tilde",
    "z",
]


def utf8_sorted(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode())


def reference(
    keys: list[str], prefix: str = "", delimiter: str = "", after: str = ""
) -> list[tuple[str, str]]:
    """The ordered listing entries as ("key"|"prefix", value)."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key in utf8_sorted(keys):
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            common = prefix + rest.split(delimiter, 1)[0] + delimiter
            if common in seen or common.encode() <= after.encode():
                continue
            seen.add(common)
            entries.append(("prefix", common))
        elif key.encode() > after.encode():
            entries.append(("key", key))
    return entries


def fill(s3: Any, bucket: str, keys: list[str]) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


def entries_of(page: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("key", c["Key"]) for c in page.get("Contents", [])]
    out += [("prefix", p["Prefix"]) for p in page.get("CommonPrefixes", [])]
    return sorted(out, key=lambda e: e[1].encode())


def list_all_v2(s3: Any, bucket: str, **kw: Any) -> tuple[list[tuple[str, str]], int]:
    """Follow continuation tokens; returns the entries and the number of pages (bounded)."""
    entries: list[tuple[str, str]] = []
    token: str | None = None
    for pages in range(1, 2000):
        args = dict(kw, Bucket=bucket)
        if token:
            args["ContinuationToken"] = token
        page = s3.list_objects_v2(**args)
        got = entries_of(page)
        assert page["KeyCount"] == len(got)
        if "MaxKeys" in kw:
            assert len(got) <= kw["MaxKeys"]
        entries += got
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            return entries, pages
        token = page["NextContinuationToken"]
        assert token
    raise AssertionError("listing did not terminate")


def list_all_v1(s3: Any, bucket: str, **kw: Any) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    marker = ""
    for _ in range(2000):
        page = s3.list_objects(Bucket=bucket, Marker=marker, **kw)
        got = entries_of(page)
        entries += got
        if not page["IsTruncated"]:
            return entries
        # NextMarker is only returned with a delimiter; otherwise use the last key.
        marker = page.get("NextMarker") or page["Contents"][-1]["Key"]
        if "Delimiter" in kw:
            assert page["NextMarker"] == got[-1][1]
    raise AssertionError("listing did not terminate")


@pytest.fixture
def odd_bucket(any_s3: S3Endpoint) -> tuple[Any, str]:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    fill(s3, bucket, ODD_KEYS)
    return s3, bucket


@pytest.fixture
def odd_grenier(s3: Any, bucket: str) -> tuple[Any, str]:
    fill(s3, bucket, ODD_KEYS)
    return s3, bucket


def test_odd_keys_are_distinct(odd_bucket: tuple[Any, str]) -> None:
    s3, bucket = odd_bucket
    page = s3.list_objects_v2(Bucket=bucket)
    assert [c["Key"] for c in page["Contents"]] == utf8_sorted(ODD_KEYS)
    assert page["KeyCount"] == len(ODD_KEYS)
    assert page["IsTruncated"] is False
    for key in ODD_KEYS:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode(), key
    sizes = {c["Key"]: c["Size"] for c in page["Contents"]}
    assert sizes == {k: len(k.encode()) for k in ODD_KEYS}
    assert all(c["ETag"].startswith('"') and c["ETag"].endswith('"') for c in page["Contents"])


def test_v1_lists_odd_keys(odd_bucket: tuple[Any, str]) -> None:
    s3, bucket = odd_bucket
    page = s3.list_objects(Bucket=bucket)
    assert [c["Key"] for c in page["Contents"]] == utf8_sorted(ODD_KEYS)
    assert page["IsTruncated"] is False


@pytest.mark.parametrize(
    ("prefix", "delimiter"),
    [("", "/"), ("a", "/"), ("a/", "/"), ("dbl/", "/"), ("", "b"), ("x/", ""), ("nomatch", "/")],
)
def test_prefix_delimiter(odd_bucket: tuple[Any, str], prefix: str, delimiter: str) -> None:
    s3, bucket = odd_bucket
    expected = reference(ODD_KEYS, prefix, delimiter)
    kw: dict[str, Any] = {"Prefix": prefix}
    if delimiter:
        kw["Delimiter"] = delimiter
    page = s3.list_objects_v2(Bucket=bucket, **kw)
    assert entries_of(page) == expected
    assert page["KeyCount"] == len(expected)
    assert page.get("Prefix", "") == prefix


@pytest.mark.parametrize(
    ("prefix", "delimiter"),
    [("", "/"), ("a", "/"), ("a/", "/"), ("", "b"), ("x/", "")],
)
def test_prefix_delimiter_v1(odd_grenier: tuple[Any, str], prefix: str, delimiter: str) -> None:
    # Grenier only: moto's V1 answer claims EncodingType=url but leaves CommonPrefixes
    # unencoded, so botocore decodes "a+b" into "a b".
    s3, bucket = odd_grenier
    kw: dict[str, Any] = {"Prefix": prefix}
    if delimiter:
        kw["Delimiter"] = delimiter
    assert entries_of(s3.list_objects(Bucket=bucket, **kw)) == reference(
        ODD_KEYS, prefix, delimiter
    )


def test_pagination_v2(odd_bucket: tuple[Any, str]) -> None:
    s3, bucket = odd_bucket
    for max_keys in (1, 2, 7):
        got, pages = list_all_v2(s3, bucket, MaxKeys=max_keys)
        assert got == reference(ODD_KEYS)
        assert pages == -(-len(ODD_KEYS) // max_keys)
        got, _ = list_all_v2(s3, bucket, MaxKeys=max_keys, Delimiter="/")
        assert got == reference(ODD_KEYS, delimiter="/")


def test_pagination_v1(odd_grenier: tuple[Any, str]) -> None:
    # Grenier only: moto's V1 NextMarker is an opaque hash; AWS returns the last key or
    # common prefix of the page, which clients use as the next Marker.
    s3, bucket = odd_grenier
    assert list_all_v1(s3, bucket, MaxKeys=3) == reference(ODD_KEYS)
    assert list_all_v1(s3, bucket, MaxKeys=2, Delimiter="/") == reference(ODD_KEYS, delimiter="/")


def test_start_after_and_marker(odd_bucket: tuple[Any, str]) -> None:
    s3, bucket = odd_bucket
    for after in ("a", "a/", "dbl", "trail", "zz", "", "\u00e9"):
        expected = reference(ODD_KEYS, after=after)
        v2 = s3.list_objects_v2(Bucket=bucket, StartAfter=after)
        assert entries_of(v2) == expected, after
        v1 = s3.list_objects(Bucket=bucket, Marker=after)
        assert entries_of(v1) == expected, after
    # A start-after inside a common prefix group skips the rest of that group.
    v2 = s3.list_objects_v2(Bucket=bucket, StartAfter="a/b", Delimiter="/")
    assert entries_of(v2) == reference(ODD_KEYS, delimiter="/", after="a/b")


def test_pagination_across_large_delimiter_group(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    keys = ["a", "zz"] + [f"big/{i:04d}" for i in range(150)]
    fill(s3, bucket, keys)
    got, pages = list_all_v2(s3, bucket, MaxKeys=1, Delimiter="/")
    assert got == [("key", "a"), ("prefix", "big/"), ("key", "zz")]
    assert pages == 3
    got, pages = list_all_v2(s3, bucket, MaxKeys=100, Prefix="big/")
    assert got == [("key", k) for k in keys[2:]]
    assert pages == 2


def test_pagination_across_large_delimiter_group_v1(s3: Any, bucket: str) -> None:
    # Grenier only (V1 NextMarker, see test_pagination_v1).
    keys = ["a", "zz"] + [f"big/{i:04d}" for i in range(150)]
    fill(s3, bucket, keys)
    expected = [("key", "a"), ("prefix", "big/"), ("key", "zz")]
    assert list_all_v1(s3, bucket, MaxKeys=1, Delimiter="/") == expected
    assert list_all_v1(s3, bucket, MaxKeys=100, Prefix="big/") == [("key", k) for k in keys[2:]]


def test_max_keys_zero_and_empty(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    empty = s3.list_objects_v2(Bucket=bucket)
    assert empty["KeyCount"] == 0
    assert "Contents" not in empty
    assert empty["IsTruncated"] is False
    fill(s3, bucket, ["k1", "k2"])
    zero = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert zero["KeyCount"] == 0
    assert "Contents" not in zero
    assert zero["MaxKeys"] == 0
    assert s3.list_objects_v2(Bucket=bucket, Prefix="nothing")["KeyCount"] == 0


def test_max_keys_default_and_cap(s3: Any, bucket: str) -> None:
    page = s3.list_objects_v2(Bucket=bucket)
    assert page["MaxKeys"] == 1000
    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert page["MaxKeys"] in (1000, 5000)  # AWS echoes the request, never returns more than 1000


def test_encoding_type_url(odd_bucket: tuple[Any, str]) -> None:
    s3, bucket = odd_bucket
    # With an explicit EncodingType botocore does not decode: we see the wire values.
    for page in (
        s3.list_objects_v2(Bucket=bucket, EncodingType="url"),
        s3.list_objects(Bucket=bucket, EncodingType="url"),
    ):
        assert page["EncodingType"] == "url"
        raw = [c["Key"] for c in page["Contents"]]
        assert all(k.isascii() and " " not in k and "\t" not in k for k in raw), raw
        assert [unquote_plus(k) for k in raw] == utf8_sorted(ODD_KEYS)
    page = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/", Prefix="\u00e9")
    assert [unquote_plus(p["Prefix"]) for p in page["CommonPrefixes"]] == ["\u00e9t\u00e9/"]
    assert unquote_plus(page["Prefix"]) == "\u00e9"


def test_fetch_owner(any_s3: S3Endpoint) -> None:
    s3 = any_s3.client()
    bucket = unique()
    s3.create_bucket(Bucket=bucket)
    fill(s3, bucket, ["k"])
    plain = s3.list_objects_v2(Bucket=bucket)
    assert "Owner" not in plain["Contents"][0]
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    assert owned["Contents"][0]["Owner"]["ID"]


def test_listing_fields(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="f", Body=b"12345")
    page = s3.list_objects_v2(Bucket=bucket)
    entry = page["Contents"][0]
    assert entry["Key"] == "f"
    assert entry["Size"] == 5
    assert entry["ETag"] == '"827ccb0eea8a706c4c34a16891f84e7b"'
    assert entry["StorageClass"] == "STANDARD"
    assert entry["LastModified"] is not None
    assert page["Name"] == bucket
