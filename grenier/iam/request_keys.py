"""Condition keys a request supplies, from plain request data (no HTTP framework).

The authorizer calls :func:`request_keys` once per request; keys that cost a look-up
(``s3:ExistingObjectTag/<key>``) are added by the caller only when a policy names them
(:func:`mentions_existing_tags`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, unquote

from .policy import Policy

Context = dict[str, str | list[str]]

_LIST_OPERATIONS = frozenset(
    {"ListObjects", "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads"}
)
_LIST_KEYS = (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys"))
_HEADER_KEYS = (
    ("x-amz-acl", "s3:x-amz-acl"),
    ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
    ("x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"),
    ("x-amz-storage-class", "s3:x-amz-storage-class"),
    ("x-amz-content-sha256", "s3:x-amz-content-sha256"),
    ("user-agent", "aws:UserAgent"),
    ("referer", "aws:Referer"),
)
_GRANT_KEYS = tuple(
    (f"x-amz-grant-{p}", f"s3:x-amz-grant-{p}")
    for p in ("read", "write", "read-acp", "write-acp", "full-control")
)
_AUTH_TYPES = {
    "sigv4": ("REST-HEADER", "AWS4-HMAC-SHA256"),
    "sigv4-presigned": ("REST-QUERY-STRING", "AWS4-HMAC-SHA256"),
    "sigv2": ("REST-HEADER", "AWS"),
    "sigv2-presigned": ("REST-QUERY-STRING", "AWS"),
}
EXISTING_TAG = "s3:ExistingObjectTag/"


def request_keys(
    operation: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    source_ip: str | None,
    secure: bool,
    auth_scheme: str,
) -> Context:
    """aws: and s3: condition keys of one request."""
    out: Context = {"aws:SecureTransport": "true" if secure else "false"}
    if source_ip:
        out["aws:SourceIp"] = source_ip
    if operation in _LIST_OPERATIONS:
        out.update({key: query[name] for name, key in _LIST_KEYS if name in query})
    if "versionId" in query:
        out["s3:VersionId"] = query["versionId"]
    out.update({key: headers[name] for name, key in _HEADER_KEYS if name in headers})
    if auth_scheme in _AUTH_TYPES:
        out["s3:authType"], out["s3:signatureversion"] = _AUTH_TYPES[auth_scheme]
    tagging = headers.get("x-amz-tagging")
    if tagging is not None:
        out.update(request_tag_keys(dict(parse_qsl(tagging, keep_blank_values=True))))
    copy_source = headers.get("x-amz-copy-source")
    if copy_source is not None:
        out["s3:x-amz-copy-source"] = copy_source_key(copy_source)
    for header, key in _GRANT_KEYS:
        value = headers.get(header)
        if value is not None:
            out[key] = grant_values(value)
    return out


# Headers of CreateMultipartUpload that policy conditions read: kept with the upload so
# that its parts and its completion are judged as the single PUT they amount to.
UPLOAD_CONTEXT_HEADERS = (
    "x-amz-acl",
    "x-amz-tagging",
    "x-amz-server-side-encryption",
    "x-amz-storage-class",
    *(header for header, _key in _GRANT_KEYS),
)
UPLOAD_OPERATIONS = frozenset({"UploadPart", "UploadPartCopy", "CompleteMultipartUpload"})


def upload_context_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {h: headers[h] for h in UPLOAD_CONTEXT_HEADERS if h in headers}


def request_tag_keys(tags: Mapping[str, str]) -> Context:
    """``s3:RequestObjectTag/<key>`` and ``s3:RequestObjectTagKeys`` of a tag set."""
    out: Context = {f"s3:RequestObjectTag/{k}": v for k, v in tags.items()}
    out["s3:RequestObjectTagKeys"] = list(tags)
    return out


def copy_source_key(header: str) -> str:
    """``x-amz-copy-source`` as policies compare it: ``bucket/key``, decoded, without a
    leading slash or ``?versionId=``."""
    path = header.split("?", 1)[0]
    return unquote(path).lstrip("/")


def grant_values(header: str) -> list[str]:
    """An ``x-amz-grant-*`` header as policies compare it: one ``type=value`` per
    grantee, quotes removed (``id=<canonical id>``, ``uri=<group>``,
    ``emailAddress=<address>``)."""
    out = []
    for item in header.split(","):
        kind, sep, value = item.strip().partition("=")
        if sep:
            out.append(f"{kind.strip()}={value.strip().strip(chr(34))}")
    return out


def existing_tag_keys(tags: Mapping[str, str]) -> Context:
    return {f"{EXISTING_TAG}{k}": v for k, v in tags.items()}


def mentions_existing_tags(policies: Iterable[Policy | None]) -> bool:
    """True if any statement conditions on ``s3:ExistingObjectTag/...``."""
    prefix = EXISTING_TAG.lower()
    return any(
        c.key.lower().startswith(prefix)
        for p in policies
        if p is not None
        for s in p.statements
        for c in s.conditions
    )
