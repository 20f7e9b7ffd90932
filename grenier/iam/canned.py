"""Editing a bucket policy one canned grant at a time, as ``mc anonymous set`` does.

``mc anonymous set download alias/bucket/prefix`` merges the canned statements for that
prefix into whatever policy the bucket has: grants on other prefixes and hand-written
statements are kept, the prefix's previous canned grant is replaced, and ``none`` removes
it (the policy is deleted when nothing is left).
"""

from __future__ import annotations

import json
from typing import Any

from .arn import S3_PREFIX
from .builtin import CANNED_KINDS, Atom, atoms, canned_policy, listify


def anonymous_grants(doc: dict[str, Any] | None, bucket: str) -> dict[str, str]:
    """prefix -> canned kind (``public``, ``download``, ``upload``) the policy grants."""
    if not doc:
        return {}
    have = atoms(doc)
    base = f"{S3_PREFIX}{bucket}/"
    prefixes = sorted(
        {
            resource[len(base) : -1]
            for statement in listify(doc.get("Statement", []))
            if isinstance(statement, dict)
            for resource in listify(statement.get("Resource", []))
            if isinstance(resource, str) and resource.startswith(base) and resource.endswith("*")
        }
    )
    found: dict[str, str] = {}
    for prefix in prefixes:
        for kind in ("public", "download", "upload"):
            if atoms(canned_policy(kind, bucket, prefix)) <= have:
                found[prefix] = kind
                break
    return found


def set_canned(
    doc: dict[str, Any] | None, bucket: str, prefix: str, kind: str
) -> dict[str, Any] | None:
    """The policy after ``anonymous set KIND bucket/prefix`` (None: delete the policy)."""
    if kind not in (*CANNED_KINDS, "none"):
        raise ValueError(f"unknown canned policy {kind!r}")
    grants = anonymous_grants(doc, bucket)
    covered: set[Atom] = set()
    for other, other_kind in grants.items():
        covered |= atoms(canned_policy(other_kind, bucket, other))
    kept = [
        st
        for st in listify((doc or {}).get("Statement", []))
        if not atoms({"Statement": [st]}) <= covered
    ]
    grants.pop(prefix, None)
    if kind != "none":
        grants[prefix] = kind
    statements = list(kept)
    seen = {json.dumps(st, sort_keys=True) for st in statements}
    for other, other_kind in sorted(grants.items()):
        for st in canned_policy(other_kind, bucket, other)["Statement"]:
            text = json.dumps(st, sort_keys=True)
            if text not in seen:
                seen.add(text)
                statements.append(st)
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}
