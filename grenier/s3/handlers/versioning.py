"""Get/PutBucketVersioning: "" (never enabled) -> Enabled <-> Suspended, never back."""

from __future__ import annotations

from aiohttp import web

from grenier.engine import Bucket
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import empty, xml_response

STATES = ("Enabled", "Suspended")


@handles("GetBucketVersioning")
async def get_versioning(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    return xml_response(xml.doc("VersioningConfiguration", [xml.opt("Status", bucket.versioning)]))


@handles("PutBucketVersioning")
async def put_versioning(req: S3Request) -> web.StreamResponse:
    root = xml.parse(await read_verified(req), "VersioningConfiguration")
    status = xml.text(root, "Status")
    mfa = xml.text(root, "MfaDelete")
    if status not in STATES:
        raise S3Error("MalformedXML")
    if mfa not in (None, "Disabled"):
        raise S3Error("NotImplemented", message="MFA Delete is not supported by Grenier.")

    def update(bucket: Bucket) -> None:
        bucket.versioning = status or bucket.versioning

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)
