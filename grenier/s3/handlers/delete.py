"""DeleteObject and DeleteObjects (with versions and Quiet mode)."""

from __future__ import annotations

import asyncio
import sqlite3

from aiohttp import web

from grenier.engine import EngineError
from grenier.engine import objects as engine_objects
from grenier.engine.objects import DeleteOutcome
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.commit import commit
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
    vid = version_arg(req)

    def txn(conn: sqlite3.Connection) -> DeleteOutcome:
        return engine_objects.txn_delete(conn, bucket, key, vid)

    out = await commit(req.engine, txn)
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
    # Submitted together, the deletes share a few group commits instead of one each.
    results = await asyncio.gather(*(_delete_one(req, bucket, k, v, quiet) for k, v in targets))
    return xml_response(xml.doc("DeleteResult", results))


async def _delete_one(req: S3Request, bucket: str, key: str, vid: str | None, quiet: bool) -> str:
    def txn(conn: sqlite3.Connection) -> DeleteOutcome:
        return engine_objects.txn_delete(conn, bucket, key, vid)

    try:
        if req.service.item_authorizer is not None:
            req.service.item_authorizer(req, "DeleteObject", key, vid)
        out = await commit(req.engine, txn)
    except (S3Error, EngineError) as exc:
        err = exc if isinstance(exc, S3Error) else from_engine(exc)
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
