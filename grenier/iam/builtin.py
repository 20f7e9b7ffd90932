"""Built-in identity policies (MinIO's names) and the canned anonymous bucket policies.

Identity policies follow ``minio/pkg`` ``policy/constants.go`` ``DefaultPolicies``, with
one deliberate difference: ``readonly`` also allows ``s3:ListBucket`` and
``s3:ListAllMyBuckets`` (MinIO ships the first as ``consolereadonly`` and filters
ListBuckets instead), because a read-only key that cannot list is useless to
``grenier ls``, s3fs and xarray.

Canned bucket policies follow ``minio-go`` ``pkg/policy/bucket-policy.go`` (what
``mc anonymous set download|upload|public`` writes): ``download`` = readonly,
``upload`` = writeonly, ``public`` = readwrite, for ``bucket`` or ``bucket/prefix``.
"""

from __future__ import annotations

import json
from typing import Any

from .arn import BUILTIN_POLICY_PREFIX, S3_PREFIX
from .policy import Policy, parse_identity_policy

_ALL = ["arn:aws:s3:::*"]
_V = "2012-10-17"

BUILTIN_DOCUMENTS: dict[str, dict[str, Any]] = {
    "readwrite": {
        "Version": _V,
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": _ALL}],
    },
    "readonly": {
        "Version": _V,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListAllMyBuckets",
                    "s3:ListBucket",
                ],
                "Resource": _ALL,
            },
            {"Effect": "Deny", "Action": ["admin:CreateUser"], "Resource": _ALL},
        ],
    },
    "writeonly": {
        "Version": _V,
        "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": _ALL}],
    },
    "diagnostics": {
        "Version": _V,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "admin:BandwidthMonitor",
                    "admin:ConsoleLog",
                    "admin:OBDInfo",
                    "admin:Profiling",
                    "admin:Prometheus",
                    "admin:ServerInfo",
                    "admin:ServerTrace",
                    "admin:TopLocksInfo",
                ],
                "Resource": _ALL,
            }
        ],
    },
    "consoleAdmin": {
        "Version": _V,
        "Statement": [
            {"Effect": "Allow", "Action": ["admin:*"]},
            {"Effect": "Allow", "Action": ["kms:*"]},
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": _ALL},
        ],
    },
}

BUILTIN_POLICIES: dict[str, Policy] = {
    name: parse_identity_policy(doc) for name, doc in BUILTIN_DOCUMENTS.items()
}


def builtin_arn(name: str) -> str:
    return f"{BUILTIN_POLICY_PREFIX}{name}"


def builtin_name(name_or_arn: str) -> str | None:
    """The built-in policy a bare MinIO name or ``arn:aws:iam::aws:policy/NAME`` names."""
    name = name_or_arn.removeprefix(BUILTIN_POLICY_PREFIX)
    return name if name in BUILTIN_DOCUMENTS else None


# --- canned anonymous bucket policies -------------------------------------------------

CANNED_KINDS = ("download", "upload", "public")
_BUCKET_COMMON = ["s3:GetBucketLocation"]
_BUCKET_READ = ["s3:ListBucket"]
_BUCKET_WRITE = ["s3:ListBucketMultipartUploads"]
_OBJECT_READ = ["s3:GetObject"]
_OBJECT_WRITE = [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
]


def _allow(actions: list[str], resource: str, condition: dict[str, Any] | None = None) -> Any:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": ["*"]},
        "Action": sorted(actions),
        "Resource": [resource],
    }
    if condition:
        statement["Condition"] = condition
    return statement


def canned_policy(kind: str, bucket: str, prefix: str = "") -> dict[str, Any]:
    """The bucket policy ``mc anonymous set KIND alias/bucket[/prefix]`` writes."""
    if kind not in CANNED_KINDS:
        raise ValueError(f"unknown canned policy {kind!r}")
    reads = kind in ("download", "public")
    writes = kind in ("upload", "public")
    bucket_arn = f"{S3_PREFIX}{bucket}"
    bucket_actions = _BUCKET_COMMON + (_BUCKET_WRITE if writes else [])
    statements = []
    if reads and not prefix:
        bucket_actions += _BUCKET_READ
    statements.append(_allow(bucket_actions, bucket_arn))
    if reads and prefix:
        condition = {"StringEquals": {"s3:prefix": [prefix]}}
        statements.append(_allow(_BUCKET_READ, bucket_arn, condition))
    object_actions = (_OBJECT_READ if reads else []) + (_OBJECT_WRITE if writes else [])
    statements.append(_allow(object_actions, f"{bucket_arn}/{prefix}*"))
    return {"Version": _V, "Statement": statements}


Atom = tuple[str, str, str, str, str]  # effect, principal, action, resource, condition


def listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def atoms(doc: dict[str, Any]) -> set[Atom]:
    out: set[Atom] = set()
    for st in listify(doc.get("Statement", [])):
        if not isinstance(st, dict) or "NotAction" in st or "NotResource" in st:
            out.add(("custom", "", "", "", json.dumps(st, sort_keys=True)))
            continue
        principal = st.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        cond = json.dumps(st.get("Condition"), sort_keys=True)
        for who in listify(aws):
            for action in listify(st.get("Action", [])):
                for resource in listify(st.get("Resource", [])):
                    out.add((str(st.get("Effect")), str(who), str(action), str(resource), cond))
    return out


def recognise_canned(policy_doc: dict[str, Any] | None, bucket: str, prefix: str = "") -> str:
    """Which canned policy ``bucket/prefix`` has: download, upload, public, none or custom.

    A policy that holds exactly a canned policy's grants (in any statement layout) is that
    kind; one that also grants other prefixes the same way still is, for this prefix, as
    ``mc anonymous get`` reports; anything with other grants or any Deny is ``custom``.
    """
    have = atoms(policy_doc) if policy_doc else set()
    if not have:
        return "none"
    for kind in ("public", "download", "upload"):
        wanted = atoms(canned_policy(kind, bucket, prefix))
        if wanted <= have and _only_canned(have - wanted, bucket):
            return kind
    return "custom"


def _only_canned(rest: set[Atom], bucket: str) -> bool:
    """True if leftover grants are themselves canned grants on other prefixes of bucket."""
    allowed: set[Atom] = set()
    for effect, who, _action, resource, _cond in rest:
        if effect != "Allow" or who != "*":
            return False
        other = resource.removeprefix(f"{S3_PREFIX}{bucket}/")
        if other != resource and other.endswith("*"):
            for kind in CANNED_KINDS:
                allowed |= atoms(canned_policy(kind, bucket, other[:-1]))
    common = atoms(canned_policy("upload", bucket, "")) | atoms(canned_policy("public", bucket, ""))
    return rest <= (allowed | common)
