"""Bucket CORS: Put/Get/DeleteBucketCors, and the rule matching used by the CORS hooks
(preflight OPTIONS and the headers added to actual responses, see ``grenier.s3.features``).

Rules are stored as JSON in ``bucket.config["cors"]``; the first rule that matches the
request's origin, method (and, for a preflight, every requested header) answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from grenier.engine import Bucket
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import empty, xml_response

METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
MAX_RULES = 100
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@dataclass(frozen=True)
class CorsRule:
    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None
    id: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorsRule:
        return cls(
            origins=tuple(data.get("AllowedOrigins", ())),
            methods=tuple(data.get("AllowedMethods", ())),
            headers=tuple(data.get("AllowedHeaders", ())),
            expose=tuple(data.get("ExposeHeaders", ())),
            max_age=data.get("MaxAgeSeconds"),
            id=data.get("ID"),
        )

    def origin_pattern(self, origin: str) -> str | None:
        """The AllowedOrigin that admits ``origin`` (None: none does)."""
        for pattern in self.origins:
            if wildcard_match(pattern, origin):
                return pattern
        return None

    def allows_headers(self, requested: list[str]) -> bool:
        return all(
            any(wildcard_match(p.lower(), name.lower()) for p in self.headers) for name in requested
        )


def wildcard_match(pattern: str, value: str) -> bool:
    """S3's AllowedOrigin/AllowedHeader matching: at most one ``*``, matching anything."""
    if "*" not in pattern:
        return pattern == value
    head, _, tail = pattern.partition("*")
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def rules_of(bucket: Bucket) -> list[CorsRule]:
    return [CorsRule.from_dict(d) for d in bucket.config.get("cors") or []]


def find_rule(
    rules: list[CorsRule], origin: str, method: str, requested: list[str] | None = None
) -> tuple[CorsRule, str] | None:
    for rule in rules:
        pattern = rule.origin_pattern(origin)
        if pattern is None or method not in rule.methods:
            continue
        if requested is not None and not rule.allows_headers(requested):
            continue
        return rule, pattern
    return None


def allow_headers(rule: CorsRule, pattern: str, origin: str) -> dict[str, str]:
    """The Access-Control-* headers of a matched rule (preflight and actual responses)."""
    headers = {
        "Access-Control-Allow-Origin": "*" if pattern == "*" else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.methods),
        "Vary": VARY,
    }
    if pattern != "*":
        headers["Access-Control-Allow-Credentials"] = "true"
    if rule.expose:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.expose)
    if rule.max_age is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age)
    return headers


def _strings(rule_el: Any, name: str) -> list[str]:
    return [(c.text or "").strip() for c in xml.children(rule_el, name)]


def _one_wildcard(values: list[str], what: str) -> None:
    for value in values:
        if value.count("*") > 1:
            raise S3Error(
                "InvalidRequest", message=f'{what} "{value}" can not have more than one wildcard.'
            )


def parse_cors(data: bytes) -> list[dict[str, Any]]:
    root = xml.parse(data, "CORSConfiguration")
    rules_el = xml.children(root, "CORSRule")
    if not rules_el or len(rules_el) > MAX_RULES:
        raise S3Error("MalformedXML")
    rules: list[dict[str, Any]] = []
    for el in rules_el:
        origins, methods = _strings(el, "AllowedOrigin"), _strings(el, "AllowedMethod")
        if not origins or not methods:
            raise S3Error("MalformedXML")
        for method in methods:
            if method not in METHODS:
                raise S3Error(
                    "InvalidRequest",
                    message="Found unsupported HTTP method in CORS config. "
                    f"Unsupported method is {method}",
                )
        headers = _strings(el, "AllowedHeader")
        _one_wildcard(origins, "AllowedOrigin")
        _one_wildcard(headers, "AllowedHeader")
        rule: dict[str, Any] = {
            "AllowedOrigins": origins,
            "AllowedMethods": methods,
            "AllowedHeaders": headers,
            "ExposeHeaders": _strings(el, "ExposeHeader"),
        }
        rule_id = xml.text(el, "ID")
        if rule_id is not None:
            if len(rule_id) > 255:
                raise S3Error("InvalidArgument", message="ID must not exceed 255 characters")
            rule["ID"] = rule_id
        age = xml.text(el, "MaxAgeSeconds")
        if age is not None:
            if not age.strip().lstrip("-").isdigit():
                raise S3Error("MalformedXML")
            rule["MaxAgeSeconds"] = int(age)
        rules.append(rule)
    return rules


def cors_doc(rules: list[dict[str, Any]]) -> bytes:
    parts = []
    for rule in rules:
        fields = [xml.opt("ID", rule.get("ID"))]
        fields += [xml.el("AllowedHeader", h) for h in rule.get("AllowedHeaders", [])]
        fields += [xml.el("AllowedMethod", m) for m in rule["AllowedMethods"]]
        fields += [xml.el("AllowedOrigin", o) for o in rule["AllowedOrigins"]]
        fields += [xml.el("ExposeHeader", h) for h in rule.get("ExposeHeaders", [])]
        if rule.get("MaxAgeSeconds") is not None:
            fields.append(xml.el("MaxAgeSeconds", rule["MaxAgeSeconds"]))
        parts.append("<CORSRule>" + "".join(fields) + "</CORSRule>")
    return xml.doc("CORSConfiguration", parts)


@handles("GetBucketCors")
async def get_cors(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    rules = bucket.config.get("cors")
    if not rules:
        raise S3Error("NoSuchCORSConfiguration", extra={"BucketName": bucket.name})
    return xml_response(cors_doc(rules))


@handles("PutBucketCors")
async def put_cors(req: S3Request) -> web.StreamResponse:
    rules = parse_cors(await read_verified(req))

    def update(bucket: Bucket) -> None:
        bucket.config["cors"] = rules

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("DeleteBucketCors")
async def delete_cors(req: S3Request) -> web.StreamResponse:
    def update(bucket: Bucket) -> None:
        bucket.config.pop("cors", None)

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)
