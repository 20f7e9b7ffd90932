"""DeleteObject and DeleteObjects (with versions and Quiet mode)."""

from __future__ import annotations

from aiohttp import web

from grenier.engine import DeleteOutcome, EngineError
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error, from_engine
from grenier.s3.handlers import handles
from grenier.s3.handlers.get import version_arg
from grenier.s3.responses import empty, xml_response

MAX_DELETE = 1000


def outcome_headers(out: DeleteOutcome) -> dict[str, str]:
    headers: dict[str, str] = {}
    if out.delete_marker:
        headers["x-amz-delete-marker"] = "true"
    if out.version_id:
        headers["x-amz-version-id"] = out.version_id
    return headers


@handles("DeleteObject")
async def delete_object(req: S3Request) -> web.StreamResponse:
    bucket, key = req.require_bucket(), req.require_key()
    out = await req.engine.delete_object(bucket, key, version_arg(req))
    return empty(204, outcome_headers(out))


@handles("DeleteObjects")
async def delete_objects(req: S3Request) -> web.StreamResponse:
    bucket = req.require_bucket()
    data = await read_verified(req)
    root = xml.parse(data, "Delete")
    quiet = (xml.text(root, "Quiet") or "").strip().lower() == "true"
    items = xml.children(root, "Object")
    if len(items) > MAX_DELETE or not items:
        raise S3Error("MalformedXML")
    targets: list[tuple[str, str | None]] = []
    for item in items:
        key = xml.text(item, "Key")
        if key is None:
            raise S3Error("MalformedXML")
        targets.append((key, xml.text(item, "VersionId") or None))
    req.engine.get_bucket(bucket)
    results: list[DeleteOutcome | S3Error | EngineError | None] = []
    allowed: list[tuple[str, str | None]] = []
    for key, vid in targets:
        try:
            if req.service.item_authorizer is not None:
                req.service.item_authorizer(req, "DeleteObject", key, vid)
        except S3Error as exc:
            results.append(exc)
            continue
        results.append(None)
        allowed.append((key, vid))
    # Submitted together, the deletes share a few group commits instead of one each.
    outcomes = iter(await req.engine.delete_objects(bucket, allowed))
    rendered = [
        _item(key, vid, next(outcomes) if out is None else out, quiet)
        for (key, vid), out in zip(targets, results, strict=True)
    ]
    return xml_response(xml.doc("DeleteResult", rendered))


def _item(
    key: str, vid: str | None, out: DeleteOutcome | S3Error | EngineError, quiet: bool
) -> str:
    if isinstance(out, S3Error | EngineError):
        err = out if isinstance(out, S3Error) else from_engine(out)
        return (
            "<Error>"
            + xml.el("Key", key)
            + xml.opt("VersionId", vid)
            + xml.el("Code", err.code)
            + xml.el("Message", err.text)
            + "</Error>"
        )
    if quiet:
        return ""
    parts = [xml.el("Key", key), xml.opt("VersionId", vid)]
    if out.delete_marker:
        parts.append(xml.el("DeleteMarker", "true"))
        parts.append(xml.opt("DeleteMarkerVersionId", out.version_id))
    return "<Deleted>" + "".join(parts) + "</Deleted>"
