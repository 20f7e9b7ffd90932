"""Put/Get/DeleteBucketLifecycleConfiguration: parse, validate (AWS's errors), store, render.

The configuration is stored as JSON in ``bucket.config["lifecycle"]`` ({"Rules": [...]})
and applied by the sweeper (``grenier.s3.features`` → ``grenier.engine.lifecycle``).
Transitions are refused (Grenier has one storage class).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

from aiohttp import web

from grenier.engine import Bucket
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import empty, xml_response

MAX_RULES = 1000
SIZE_FIELDS = ("ObjectSizeGreaterThan", "ObjectSizeLessThan")


def _invalid(message: str) -> S3Error:
    return S3Error("InvalidArgument", message=message)


def _int(el: Element, name: str) -> int | None:
    raw = xml.text(el, name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise S3Error("MalformedXML") from exc


def _positive(el: Element, name: str, action: str) -> int | None:
    value = _int(el, name)
    if value is not None and value <= 0:
        raise _invalid(f"'{name}' for {action} action must be a positive integer")
    return value


def _tag(el: Element) -> list[str]:
    key, value = xml.text(el, "Key"), xml.text(el, "Value")
    if key is None or value is None:
        raise S3Error("MalformedXML")
    return [key, value]


def _filter(rule: Element) -> tuple[str, dict[str, Any]]:
    legacy, flt = xml.text(rule, "Prefix"), xml.child(rule, "Filter")
    if legacy is not None and flt is not None:
        raise S3Error("MalformedXML")
    if legacy is not None:
        return "legacy", {"Prefix": legacy}
    if flt is None:
        return "none", {}
    elements = list(flt)
    if len(elements) > 1:
        raise S3Error("MalformedXML")
    out: dict[str, Any] = {}
    source = flt
    if elements and xml.local(elements[0].tag) == "And":
        source = elements[0]
        out["And"] = True
    prefix = xml.text(source, "Prefix")
    if prefix is not None:
        out["Prefix"] = prefix
    tags = [_tag(t) for t in xml.children(source, "Tag")]
    if len({k for k, _ in tags}) != len(tags):
        raise S3Error("InvalidRequest", message="Duplicate Tag Keys are not allowed.")
    if tags:
        out["Tags"] = tags
    for name in SIZE_FIELDS:
        value = _int(source, name)
        if value is not None:
            if value < 0:
                raise _invalid(f"'{name}' must be a non-negative integer")
            out[name] = value
    return "filter", out


def _date(raw: str) -> tuple[str, float]:
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid("'Date' must be a valid ISO 8601 date") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if (when.hour, when.minute, when.second, when.microsecond) != (0, 0, 0, 0):
        raise _invalid("'Date' must be at midnight GMT")
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), when.timestamp()


def _expiration(rule: Element) -> dict[str, Any] | None:
    el = xml.child(rule, "Expiration")
    if el is None:
        return None
    days = _positive(el, "Days", "Expiration")
    date = xml.text(el, "Date")
    marker = xml.text(el, "ExpiredObjectDeleteMarker")
    if days is not None and date is not None:
        raise S3Error("MalformedXML")
    if marker is not None and (days is not None or date is not None):
        raise _invalid(
            "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a "
            "Lifecycle Expiration Policy."
        )
    if days is not None:
        return {"Days": days}
    if date is not None:
        text, epoch = _date(date)
        return {"Date": text, "DateEpoch": epoch}
    if marker is not None:
        if marker.strip().lower() not in ("true", "false"):
            raise S3Error("MalformedXML")
        return {"ExpiredObjectDeleteMarker": marker.strip().lower() == "true"}
    raise S3Error("MalformedXML")


def _noncurrent(rule: Element) -> dict[str, Any] | None:
    el = xml.child(rule, "NoncurrentVersionExpiration")
    if el is None:
        return None
    action = "NoncurrentVersionExpiration"
    days = _positive(el, "NoncurrentDays", action)
    newer = _positive(el, "NewerNoncurrentVersions", action)
    if days is None:
        raise S3Error("MalformedXML")
    if newer is not None and newer > 100:
        raise _invalid("'NewerNoncurrentVersions' must be between 1 and 100")
    out: dict[str, Any] = {"NoncurrentDays": days}
    if newer is not None:
        out["NewerNoncurrentVersions"] = newer
    return out


def _abort(rule: Element) -> dict[str, Any] | None:
    el = xml.child(rule, "AbortIncompleteMultipartUpload")
    if el is None:
        return None
    days = _positive(el, "DaysAfterInitiation", "AbortIncompleteMultipartUpload")
    if days is None:
        raise S3Error("MalformedXML")
    return {"DaysAfterInitiation": days}


def parse_rule(el: Element) -> dict[str, Any]:
    status = xml.text(el, "Status")
    if status not in ("Enabled", "Disabled"):
        raise S3Error("MalformedXML")
    rule_id = xml.text(el, "ID") or secrets.token_hex(10)
    if len(rule_id) > 255:
        raise _invalid("ID length should not exceed allowed limit of 255")
    if xml.child(el, "Transition") is not None or xml.child(el, "NoncurrentVersionTransition"):
        raise S3Error("NotImplemented", message="Lifecycle transitions are not supported.")
    form, flt = _filter(el)
    rule: dict[str, Any] = {"ID": rule_id, "Status": status, "FilterForm": form, "Filter": flt}
    actions = {
        "Expiration": _expiration(el),
        "NoncurrentVersionExpiration": _noncurrent(el),
        "AbortIncompleteMultipartUpload": _abort(el),
    }
    actions = {k: v for k, v in actions.items() if v is not None}
    if not actions:
        raise S3Error(
            "InvalidRequest", message="At least one action needs to be specified in a rule"
        )
    if flt.get("Tags") and "AbortIncompleteMultipartUpload" in actions:
        raise S3Error(
            "InvalidRequest",
            message="AbortIncompleteMultipartUpload cannot be specified with Tags.",
        )
    if flt.get("Tags") and (actions.get("Expiration") or {}).get("ExpiredObjectDeleteMarker"):
        raise S3Error(
            "InvalidRequest", message="ExpiredObjectDeleteMarker cannot be specified with Tags."
        )
    rule.update(actions)
    return rule


def parse_lifecycle(data: bytes) -> list[dict[str, Any]]:
    root = xml.parse(data, "LifecycleConfiguration")
    rules_el = xml.children(root, "Rule")
    if not rules_el or len(rules_el) > MAX_RULES:
        raise S3Error("MalformedXML")
    rules = [parse_rule(el) for el in rules_el]
    ids = [r["ID"] for r in rules]
    if len(set(ids)) != len(ids):
        raise _invalid("Rule ID must be unique. Found same ID for more than one rule")
    return rules


def _filter_xml(rule: dict[str, Any]) -> str:
    flt = rule.get("Filter", {})
    if rule.get("FilterForm") == "legacy":
        return xml.el("Prefix", flt.get("Prefix", ""))
    if rule.get("FilterForm") == "none":
        return ""
    inner = []
    if "Prefix" in flt:
        inner.append(xml.el("Prefix", flt["Prefix"]))
    for key, value in flt.get("Tags", []):
        inner.append("<Tag>" + xml.el("Key", key) + xml.el("Value", value) + "</Tag>")
    inner += [xml.el(n, flt[n]) for n in SIZE_FIELDS if n in flt]
    body = "".join(inner)
    if flt.get("And"):
        body = f"<And>{body}</And>"
    return f"<Filter>{body}</Filter>"


def _action_xml(name: str, fields: dict[str, Any] | None) -> str:
    if fields is None:
        return ""
    shown = {k: v for k, v in fields.items() if k != "DateEpoch"}
    inner = "".join(
        xml.el(k, str(v).lower() if isinstance(v, bool) else v) for k, v in shown.items()
    )
    return f"<{name}>{inner}</{name}>"


def lifecycle_doc(rules: list[dict[str, Any]]) -> bytes:
    parts = []
    for rule in rules:
        fields = [xml.el("ID", rule["ID"]), _filter_xml(rule), xml.el("Status", rule["Status"])]
        for action in (
            "Expiration",
            "NoncurrentVersionExpiration",
            "AbortIncompleteMultipartUpload",
        ):
            fields.append(_action_xml(action, rule.get(action)))
        parts.append("<Rule>" + "".join(fields) + "</Rule>")
    return xml.doc("LifecycleConfiguration", parts)


@handles("GetBucketLifecycleConfiguration")
async def get_lifecycle(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    stored = bucket.config.get("lifecycle") or {}
    if not stored.get("Rules"):
        raise S3Error("NoSuchLifecycleConfiguration", extra={"BucketName": bucket.name})
    return xml_response(lifecycle_doc(stored["Rules"]))


@handles("PutBucketLifecycleConfiguration")
async def put_lifecycle(req: S3Request) -> web.StreamResponse:
    rules = parse_lifecycle(await read_verified(req))

    def update(bucket: Bucket) -> None:
        bucket.config["lifecycle"] = {"Rules": rules}

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("DeleteBucketLifecycleConfiguration")
async def delete_lifecycle(req: S3Request) -> web.StreamResponse:
    def update(bucket: Bucket) -> None:
        bucket.config.pop("lifecycle", None)

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)
