"""From method + target + query + headers to one S3 operation name (AWS's names).

Pure and table-driven, so every routing rule is visible in one place and unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from grenier.s3.errors import S3Error

# Bucket sub-resources: query name -> operation suffix (Get*/Put*/Delete* + suffix).
BUCKET_SUBRESOURCES: dict[str, str] = {
    "versioning": "BucketVersioning",
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "tagging": "BucketTagging",
    "cors": "BucketCors",
    "lifecycle": "BucketLifecycleConfiguration",
    "acl": "BucketAcl",
    "ownershipControls": "BucketOwnershipControls",
    "encryption": "BucketEncryption",
    "object-lock": "ObjectLockConfiguration",
    "website": "BucketWebsite",
    "replication": "BucketReplication",
    "publicAccessBlock": "PublicAccessBlock",
    "logging": "BucketLogging",
    "notification": "BucketNotificationConfiguration",
    "accelerate": "BucketAccelerateConfiguration",
    "requestPayment": "BucketRequestPayment",
    "analytics": "BucketAnalyticsConfiguration",
    "metrics": "BucketMetricsConfiguration",
    "inventory": "BucketInventoryConfiguration",
    "intelligent-tiering": "BucketIntelligentTieringConfiguration",
}

OBJECT_SUBRESOURCES: dict[str, str] = {
    "tagging": "ObjectTagging",
    "acl": "ObjectAcl",
    "retention": "ObjectRetention",
    "legal-hold": "ObjectLegalHold",
}


@dataclass(frozen=True)
class Target:
    bucket: str | None
    key: str | None
    virtual: bool = False  # the bucket came from the Host header


def split_target(raw_path: str, host: str, domain: str | None) -> Target:
    """Bucket and key from the request (path-style, or virtual-host with ``domain``).

    The key is the percent-decoded remainder of the path, never normalised:
    ``a//b``, ``a/../b`` and a trailing ``/`` are distinct keys.
    """
    path = raw_path or "/"
    if not path.startswith("/"):
        raise S3Error("InvalidURI")
    if domain:
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        suffix = "." + domain
        if hostname.endswith(suffix) and len(hostname) > len(suffix):
            bucket = hostname[: -len(suffix)]
            key = _decode(path[1:])
            return Target(bucket, key or None, virtual=True)
    rest = path[1:]
    if not rest:
        return Target(None, None)
    bucket_raw, sep, key_raw = rest.partition("/")
    bucket = _decode(bucket_raw)
    if not sep or key_raw == "":
        return Target(bucket, None)
    return Target(bucket, _decode(key_raw))


def _decode(raw: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise S3Error("InvalidURI") from exc


def resolve(
    method: str, target: Target, query: Mapping[str, str], headers: Mapping[str, str]
) -> str:
    if target.bucket is None:
        if method in ("GET", "HEAD"):
            return "ListBuckets"
        raise S3Error("MethodNotAllowed")
    if target.key is None:
        return _bucket_operation(method, query, headers)
    return _object_operation(method, query, headers)


def _bucket_operation(method: str, query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    if method == "POST":
        if "delete" in query:
            return "DeleteObjects"
        if headers.get("content-type", "").startswith("multipart/form-data"):
            return "PostObject"
        raise S3Error("MethodNotAllowed")
    if method == "HEAD":
        return "HeadBucket"
    verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method)
    if verb is None:
        raise S3Error("MethodNotAllowed")
    for name, suffix in BUCKET_SUBRESOURCES.items():
        if name in query:
            if suffix == "BucketPolicyStatus" and verb != "Get":
                raise S3Error("MethodNotAllowed")
            return verb + suffix
    if verb == "Get":
        if "location" in query:
            return "GetBucketLocation"
        if "versions" in query:
            return "ListObjectVersions"
        if "uploads" in query:
            return "ListMultipartUploads"
        if query.get("list-type") == "2":
            return "ListObjectsV2"
        return "ListObjects"
    return "CreateBucket" if verb == "Put" else "DeleteBucket"


def _object_operation(method: str, query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    if method == "GET":
        if "uploadId" in query:
            return "ListParts"
        if "attributes" in query:
            return "GetObjectAttributes"
        for name, suffix in OBJECT_SUBRESOURCES.items():
            if name in query:
                return "Get" + suffix
        return "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "partNumber" in query and "uploadId" in query:
            return "UploadPartCopy" if "x-amz-copy-source" in headers else "UploadPart"
        for name, suffix in OBJECT_SUBRESOURCES.items():
            if name in query:
                return "Put" + suffix
        return "CopyObject" if "x-amz-copy-source" in headers else "PutObject"
    if method == "DELETE":
        if "uploadId" in query:
            return "AbortMultipartUpload"
        if "tagging" in query:
            return "DeleteObjectTagging"
        return "DeleteObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        if "restore" in query:
            return "RestoreObject"
        if "select" in query:
            return "SelectObjectContent"
    raise S3Error("MethodNotAllowed")
