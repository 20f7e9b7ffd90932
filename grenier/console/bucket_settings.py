"""``/settings/BUCKET``: versioning, quota, lifecycle, anonymous access, policy, CORS, tags.

Each section is one form POSTing to ``/settings/BUCKET/SECTION``. Anonymous access uses
mc's canned choices per prefix (``none``, ``download``, ``upload``, ``public``), merged
into the bucket policy exactly as ``grenier anonymous set`` and ``mc anonymous set`` do
(``grenier.iam.canned``, pure code shared with the CLI); the raw policy JSON is editable
too. Quotas go through Grenier's admin JSON API (root only). Later bucket features
(object lock, encryption, notifications) add a section here: a loader in ``LOADERS`` and a
writer in ``WRITERS``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.client.units import parse_size
from grenier.console.connection import UserConnection
from grenier.console.objects import parse_tags
from grenier.console.web import bucket_of, conn, flash, render, see_other

CANNED = ("none", "download", "upload", "public")
ABSENT = {
    "NoSuchLifecycleConfiguration",
    "NoSuchBucketPolicy",
    "NoSuchCORSConfiguration",
    "NoSuchTagSet",
    "NoSuchTagSetError",
}


async def _get(c: UserConnection, bucket: str, op: str, key: str, empty: Any) -> Any:
    """One configuration document (``empty`` when unset)."""
    try:
        found = await c.s3(f"{op} {bucket}", op, Bucket=bucket)
    except ClientError as exc:
        if exc.code in ABSENT:
            return empty
        raise
    return found.get(key, empty) if key else found


async def _shown(c: UserConnection, bucket: str, op: str, key: str, empty: Any) -> tuple[Any, str]:
    """(document, "") or (empty, why it cannot be shown)."""
    try:
        return await _get(c, bucket, op, key, empty), ""
    except ClientError as exc:
        return empty, str(exc)


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ClientError(f"{what}: invalid JSON ({exc})", code="MalformedJSON") from None


async def page(request: web.Request) -> web.Response:
    from grenier.iam.canned import anonymous_grants

    bucket = bucket_of(request)
    c = conn(request)
    names = ("versioning", "lifecycle", "policy", "cors", "tags")
    loaded = await asyncio.gather(
        _shown(c, bucket, "get_bucket_versioning", "", {}),
        _shown(c, bucket, "get_bucket_lifecycle_configuration", "Rules", []),
        _shown(c, bucket, "get_bucket_policy", "Policy", None),
        _shown(c, bucket, "get_bucket_cors", "CORSRules", []),
        _shown(c, bucket, "get_bucket_tagging", "TagSet", []),
    )
    versioning, lifecycle, policy, cors, tags = (value for value, _ in loaded)
    errors = {name: why for name, (_, why) in zip(names, loaded, strict=True) if why}
    quota: Any = None
    try:
        quota = await c.call(f"quota of {bucket}", c.admin.get_quota, bucket)
    except ClientError as exc:
        errors["quota"] = str(exc)
    policy_doc = None
    if isinstance(policy, str):
        try:
            policy_doc = json.loads(policy)
        except ValueError:
            policy_doc = None
    return await render(
        request,
        "settings.html",
        bucket=bucket,
        versioning=versioning,
        quota=quota,
        lifecycle=lifecycle,
        policy=json.dumps(policy_doc, indent=2) if policy_doc is not None else policy,
        grants=anonymous_grants(policy_doc, bucket) if isinstance(policy_doc, dict) else {},
        cors=cors,
        tags=tags,
        canned=CANNED,
        errors=errors,
    )


Writer = Callable[[UserConnection, str, Any], Awaitable[str]]


async def _versioning(c: UserConnection, bucket: str, form: Any) -> str:
    status = str(form.get("status", ""))
    if status not in ("Enabled", "Suspended"):
        raise ClientError("versioning: choose Enabled or Suspended", code="InvalidArgument")
    await c.s3(
        f"versioning of {bucket}",
        "put_bucket_versioning",
        Bucket=bucket,
        VersioningConfiguration={"Status": status},
    )
    return f"Versioning {status.lower()}"


async def _quota(c: UserConnection, bucket: str, form: Any) -> str:
    text = str(form.get("quota", "")).strip()
    if not text or text == "0":
        await c.call(f"clear quota of {bucket}", c.admin.clear_quota, bucket)
        return "Quota cleared"
    size = parse_size(text)
    await c.call(f"set quota of {bucket}", c.admin.set_quota, bucket, size)
    return f"Quota set to {text}"


async def _current_rules(c: UserConnection, bucket: str) -> list[Any]:
    return list(await _get(c, bucket, "get_bucket_lifecycle_configuration", "Rules", []))


async def _lifecycle(c: UserConnection, bucket: str, form: Any) -> str:
    if "days" in form:  # the quick form: one expiration rule appended
        days, prefix = str(form.get("days", "")), str(form.get("prefix", ""))
        if not days.isdigit() or int(days) < 1:
            raise ClientError("lifecycle: days must be a whole number >= 1", code="InvalidArgument")
        rule: dict[str, Any] = {
            "ID": str(form.get("id", "")) or f"expire-{prefix or 'all'}-{days}d",
            "Status": "Enabled",
            "Filter": {"Prefix": prefix},
            "Expiration": {"Days": int(days)},
        }
        rules = [*await _current_rules(c, bucket), rule]
    else:
        text = str(form.get("rules", "")).strip()
        rules = parse_json(text, "lifecycle rules") if text else []
        if not isinstance(rules, list):
            raise ClientError("lifecycle: expected a JSON list of rules", code="MalformedJSON")
    if not rules:
        await c.s3(f"lifecycle of {bucket}", "delete_bucket_lifecycle", Bucket=bucket)
        return "Lifecycle rules removed"
    await c.s3(
        f"lifecycle of {bucket}",
        "put_bucket_lifecycle_configuration",
        Bucket=bucket,
        LifecycleConfiguration={"Rules": rules},
    )
    return f"Lifecycle: {len(rules)} rule{'s' if len(rules) > 1 else ''}"


async def _read_policy(c: UserConnection, bucket: str) -> dict[str, Any] | None:
    text = await _get(c, bucket, "get_bucket_policy", "Policy", None)
    doc = json.loads(text) if text else None
    return doc if isinstance(doc, dict) else None


async def _write_policy(c: UserConnection, bucket: str, doc: Any) -> None:
    if doc is None:
        await c.s3(f"policy of {bucket}", "delete_bucket_policy", Bucket=bucket)
    else:
        await c.s3(
            f"policy of {bucket}", "put_bucket_policy", Bucket=bucket, Policy=json.dumps(doc)
        )


async def _anonymous(c: UserConnection, bucket: str, form: Any) -> str:
    from grenier.iam.canned import set_canned

    kind, prefix = str(form.get("kind", "")), str(form.get("prefix", "")).lstrip("/")
    if kind not in CANNED:
        raise ClientError(
            f"anonymous access: choose one of {', '.join(CANNED)}", code="InvalidArgument"
        )
    await _write_policy(c, bucket, set_canned(await _read_policy(c, bucket), bucket, prefix, kind))
    return f"Anonymous access to {bucket}/{prefix}* set to {kind}"


async def _policy(c: UserConnection, bucket: str, form: Any) -> str:
    text = str(form.get("policy", "")).strip()
    doc = parse_json(text, "bucket policy") if text else None
    if doc is not None and not isinstance(doc, dict):
        raise ClientError("bucket policy: expected a JSON object", code="MalformedJSON")
    await _write_policy(c, bucket, doc)
    return "Bucket policy removed" if doc is None else "Bucket policy saved"


async def _cors(c: UserConnection, bucket: str, form: Any) -> str:
    text = str(form.get("rules", "")).strip()
    rules = parse_json(text, "CORS rules") if text else []
    if not isinstance(rules, list):
        raise ClientError("CORS: expected a JSON list of rules", code="MalformedJSON")
    if not rules:
        await c.s3(f"CORS of {bucket}", "delete_bucket_cors", Bucket=bucket)
        return "CORS rules removed"
    await c.s3(
        f"CORS of {bucket}",
        "put_bucket_cors",
        Bucket=bucket,
        CORSConfiguration={"CORSRules": rules},
    )
    return "CORS rules saved"


async def _tags(c: UserConnection, bucket: str, form: Any) -> str:
    tags = parse_tags(str(form.get("tags", "")))
    if not tags:
        await c.s3(f"tags of {bucket}", "delete_bucket_tagging", Bucket=bucket)
        return "Bucket tags removed"
    await c.s3(f"tags of {bucket}", "put_bucket_tagging", Bucket=bucket, Tagging={"TagSet": tags})
    return "Bucket tags saved"


WRITERS: dict[str, Writer] = {
    "versioning": _versioning,
    "quota": _quota,
    "lifecycle": _lifecycle,
    "anonymous": _anonymous,
    "policy": _policy,
    "cors": _cors,
    "tags": _tags,
}


async def update(request: web.Request) -> web.Response:
    bucket, section = bucket_of(request), request.match_info["section"]
    writer = WRITERS.get(section)
    if writer is None:
        raise web.HTTPNotFound(text=f"no settings section {section!r}\n")
    form = await request.post()
    try:
        flash(request, "ok", await writer(conn(request), bucket, form))
    except ClientError as exc:
        flash(request, "error", str(exc))
    return see_other(f"/settings/{quote(bucket, safe='')}#{section}")
