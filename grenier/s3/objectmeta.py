"""Object metadata carried by headers: what PUT stores and GET/HEAD give back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from grenier.s3.errors import S3Error
from grenier.s3.httputil import header_argument

SYSTEM_HEADERS = (
    "content-type",
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    "x-amz-website-redirect-location",
)
STORAGE_CLASSES = {
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
    "OUTPOSTS",
    "SNOW",
    "EXPRESS_ONEZONE",
}
MAX_USER_META = 2048
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")  # an HTTP header name (RFC 9110 token)
MAX_TAGS = 10


def from_headers(headers: Mapping[str, str]) -> dict[str, Any]:
    """System and user metadata of a PUT/COPY(REPLACE)/CreateMultipartUpload."""
    meta: dict[str, Any] = {}
    for name in SYSTEM_HEADERS:
        value = headers.get(name)
        if value is not None:
            meta[name] = header_argument(name, value)
    if "content-encoding" in meta:
        # aws-chunked is a transfer detail, not the object's encoding.
        parts = [p.strip() for p in meta["content-encoding"].split(",")]
        parts = [p for p in parts if p and p != "aws-chunked"]
        if parts:
            meta["content-encoding"] = ",".join(parts)
        else:
            del meta["content-encoding"]
    user: dict[str, str] = {}
    size = 0
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-amz-meta-"):
            short = lower[len("x-amz-meta-") :]
            if not _TOKEN.fullmatch(short):  # a POST form's field names are free text
                raise S3Error("InvalidArgument", message=f"Invalid metadata name {name!r}.")
            header_argument(lower, value)  # sent back as a header by GET and HEAD
            user[short] = f"{user[short]},{value}" if short in user else value
            size += len(short) + len(value.encode())
    if size > MAX_USER_META:
        raise S3Error("MetadataTooLarge", extra={"Size": str(size), "MaxSizeAllowed": "2048"})
    if user:
        meta["user"] = user
    storage = headers.get("x-amz-storage-class")
    if storage is not None:
        if storage not in STORAGE_CLASSES:
            raise S3Error("InvalidStorageClass", extra={"StorageClassRequested": storage})
        meta["storage-class"] = storage
    check_encryption(headers)
    return meta


def check_encryption(headers: Mapping[str, str]) -> None:
    if headers.get("x-amz-server-side-encryption-customer-algorithm"):
        raise S3Error("NotImplemented", message="SSE-C is not supported by Grenier.")
    sse = headers.get("x-amz-server-side-encryption")
    if sse is not None and sse != "AES256":
        raise S3Error("NotImplemented", message=f"Server-side encryption {sse} is not supported.")


def to_headers(meta: Mapping[str, Any], headers: dict[str, str]) -> None:
    for name in SYSTEM_HEADERS:
        if name in meta and name != "content-type":
            headers[name.title() if not name.startswith("x-amz") else name] = meta[name]
    for short, value in meta.get("user", {}).items():
        headers[f"x-amz-meta-{short}"] = value
    storage = meta.get("storage-class")
    if storage and storage != "STANDARD":
        headers["x-amz-storage-class"] = storage


def parse_tagging_header(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    pairs = parse_qsl(value, keep_blank_values=True)
    tags: dict[str, str] = {}
    for key, val in pairs:
        if key in tags:
            raise S3Error("InvalidTag", message="Cannot provide multiple Tags with the same key")
        tags[key] = val
    validate_tags(tags)
    return tags


def validate_tags(tags: Mapping[str, str], limit: int = MAX_TAGS) -> None:
    if len(tags) > limit:
        raise S3Error("InvalidTag", message="Object tags cannot be greater than 10")
    for key, value in tags.items():
        if not key or len(key) > 128:
            raise S3Error("InvalidTag", message="The TagKey you have provided is invalid")
        if len(value) > 256:
            raise S3Error("InvalidTag", message="The TagValue you have provided is invalid")
        if key.lower().startswith("aws:"):
            raise S3Error("InvalidTag", message="System tags cannot be added/updated by requester")


def tagging_header(tags: Mapping[str, str]) -> str:
    return urlencode(list(tags.items()))
