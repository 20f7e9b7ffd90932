"""The IAM JSON policy language, as S3 bucket policies and IAM identity policies use it.

``parse_bucket_policy`` and ``parse_identity_policy`` turn a document into an immutable
:class:`Policy` or raise :class:`PolicyError` — never another exception, and never a
half-read policy. Evaluation lives in :mod:`grenier.iam.evaluate`.

Limits (AWS): a bucket policy is at most 20 KB; a managed policy at most 6,144 and a user's
inline policies together at most 2,048 non-whitespace characters (IAM quotas page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .actions import OTHER_SERVICES, is_known_s3_action
from .arn import is_valid_principal, is_valid_resource, s3_bucket_pattern
from .conditions import Condition, parse_conditions
from .errors import PolicyError
from .patterns import wildcard_match
from .policy_json import load_json

VERSIONS = ("2012-10-17", "2008-10-17")
BUCKET_POLICY_MAX_BYTES = 20 * 1024
MANAGED_POLICY_MAX_CHARS = 6144
USER_INLINE_MAX_CHARS = 2048
GROUP_INLINE_MAX_CHARS = 5120

BUCKET = "MalformedPolicy"
IDENTITY = "MalformedPolicyDocument"

_TOP_FIELDS = {"Version", "Id", "Statement"}
_STATEMENT_FIELDS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    sid: str | None = None
    principals: tuple[str, ...] | None = None  # AWS principal values; "*" is everyone
    not_principals: tuple[str, ...] | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None  # None with not_resources None: any resource
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Policy:
    version: str
    statements: tuple[Statement, ...]
    document: dict[str, Any] = field(compare=False, hash=False)

    @property
    def uses_variables(self) -> bool:
        return self.version == "2012-10-17"

    def to_json(self) -> str:
        return json.dumps(self.document, separators=(",", ":"))


def non_whitespace_length(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def parse_bucket_policy(text: str | bytes, bucket: str) -> Policy:
    """Parse a bucket policy for ``bucket``: Principal required, resources in this bucket."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > BUCKET_POLICY_MAX_BYTES:
        raise PolicyError(BUCKET, "Policies must be no more than 20 KB in size.")
    policy = _parse(load_json(raw, BUCKET), BUCKET, bucket=bucket)
    return policy


def parse_identity_policy(text: str | bytes | dict[str, Any], *, max_chars: int = 0) -> Policy:
    """Parse an IAM identity policy (no Principal). ``max_chars`` counts non-whitespace."""
    if isinstance(text, dict):
        return _parse(text, IDENTITY, bucket=None)
    raw = text.encode() if isinstance(text, str) else text
    if max_chars and non_whitespace_length(raw.decode("utf-8", "replace")) > max_chars:
        raise PolicyError("LimitExceeded", f"Cannot exceed quota for PolicySize: {max_chars}")
    return _parse(load_json(raw, IDENTITY), IDENTITY, bucket=None)


def _parse(doc: Any, code: str, *, bucket: str | None) -> Policy:
    if not isinstance(doc, dict):
        raise PolicyError(code, "Policy document must be a JSON object.")
    unknown = set(doc) - _TOP_FIELDS
    if unknown:
        raise PolicyError(code, f"Unknown field {sorted(unknown)[0]}")
    version = doc.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError(code, f"The policy must contain a valid version string: {version!r}")
    if "Statement" not in doc:
        raise PolicyError(code, "Missing required field Statement")
    raw = doc["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(code, "Could not parse the policy: Statement is empty!")
    statements = tuple(_statement(item, code, bucket) for item in items)
    _check_unique_sids(statements, code)
    return Policy(version, statements, doc)


def _check_unique_sids(statements: tuple[Statement, ...], code: str) -> None:
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise PolicyError(code, "Statement IDs (SID) in a single policy must be unique.")


def _statement(item: Any, code: str, bucket: str | None) -> Statement:
    if not isinstance(item, dict):
        raise PolicyError(code, "Each Statement must be a JSON object.")
    unknown = set(item) - _STATEMENT_FIELDS
    if unknown:
        raise PolicyError(code, f"Unknown field {sorted(unknown)[0]}")
    effect = item.get("Effect")
    if effect is None:
        raise PolicyError(code, "Missing required field Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(code, f"Invalid effect: {effect}")
    sid = item.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(code, "Sid must be a string.")
    principals, not_principals = _principals(item, code, bucket is not None)
    actions, not_actions = _pair(item, "Action", "NotAction", code)
    for action in actions or not_actions or ():
        _check_action(action, code, bucket_policy=bucket is not None)
    resources, not_resources = _resources(item, code, bucket, actions or not_actions or ())
    conditions: tuple[Condition, ...] = ()
    if "Condition" in item:
        conditions = parse_conditions(item["Condition"], code, bucket_policy=bucket is not None)
    return Statement(
        effect,
        sid,
        principals,
        not_principals,
        actions,
        not_actions,
        resources,
        not_resources,
        conditions,
    )


def _strings(value: Any, name: str, code: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise PolicyError(code, f"{name} must be a non-empty string or list of strings.")
    return tuple(items)


def _pair(
    item: dict[str, Any], name: str, not_name: str, code: str, required: bool = True
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    if name in item and not_name in item:
        raise PolicyError(code, f"A statement cannot have both {name} and {not_name}.")
    if name in item:
        return _strings(item[name], name, code), None
    if not_name in item:
        return None, _strings(item[not_name], not_name, code)
    if required:
        raise PolicyError(code, f"Missing required field {name}")
    return None, None


def _principals(
    item: dict[str, Any], code: str, bucket_policy: bool
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    has = "Principal" in item or "NotPrincipal" in item
    if not bucket_policy:
        if has:
            raise PolicyError(code, "Policy document should not specify a principal.")
        return None, None
    if "Principal" in item and "NotPrincipal" in item:
        raise PolicyError(code, "A statement cannot have both Principal and NotPrincipal.")
    if not has:
        raise PolicyError(code, "Missing required field Principal")
    name = "Principal" if "Principal" in item else "NotPrincipal"
    values = _principal_values(item[name], code)
    return (values, None) if name == "Principal" else (None, values)


def _principal_values(raw: Any, code: str) -> tuple[str, ...]:
    if raw == "*":
        return ("*",)
    if not isinstance(raw, dict) or not raw:
        raise PolicyError(code, "Invalid principal in policy")
    values: list[str] = []
    for kind, value in raw.items():
        items = _strings(value, "Principal", code)
        if kind == "AWS":
            if not all(is_valid_principal(v) for v in items):
                raise PolicyError(code, "Invalid principal in policy")
            values.extend(items)
        elif kind in ("CanonicalUser", "Service", "Federated"):
            values.extend(f"{kind}:{v}" for v in items)  # never match a Grenier principal
        else:
            raise PolicyError(code, "Invalid principal in policy")
    return tuple(values)


def _check_action(action: str, code: str, *, bucket_policy: bool) -> None:
    if action == "*":
        return
    service, sep, name = action.partition(":")
    if not sep or not name:
        raise PolicyError(code, f"Policy has invalid action: {action}")
    service = service.lower()
    if service == "s3":
        if not is_known_s3_action(action):
            raise PolicyError(code, f"Policy has invalid action: {action}")
        return
    if bucket_policy or service not in OTHER_SERVICES:
        raise PolicyError(code, f"Policy has invalid action: {action}")
    if not all(ch.isalnum() or ch in "*?-" for ch in name):
        raise PolicyError(code, f"Policy has invalid action: {action}")


def _resources(
    item: dict[str, Any], code: str, bucket: str | None, actions: tuple[str, ...]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    # MinIO compatibility: statements naming only admin/kms/iam actions may omit Resource.
    s3_free = bool(actions) and all(a != "*" and not a.lower().startswith("s3:") for a in actions)
    resources, not_resources = _pair(item, "Resource", "NotResource", code, not s3_free)
    for resource in resources or not_resources or ():
        if not is_valid_resource(resource):
            raise PolicyError(code, f"Policy has invalid resource: {resource}")
        if bucket is not None:
            _check_bucket_resource(resource, bucket, code)
    return resources, not_resources


def _check_bucket_resource(resource: str, bucket: str, code: str) -> None:
    pattern = s3_bucket_pattern(resource)
    if pattern is None or not wildcard_match(pattern, bucket):
        raise PolicyError(code, f"Policy has invalid resource: {resource}")
