"""Block Public Access on a bucket: Put/Get/DeletePublicAccessBlock.

The settings are bucket configuration (``bucket.config["public_access_block"]``, AWS's
four field names); the access decision combines them with the owner account's
(:mod:`grenier.s3.tenancy`, :mod:`grenier.iam.decide`). The account's own settings are
set through the S3 Control API route (:mod:`grenier.s3.account_block`).
"""

from __future__ import annotations

from aiohttp import web

from grenier.engine import Bucket
from grenier.iam.public_access import FIELDS, PublicAccessBlock
from grenier.s3 import xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import empty, xml_response

CONFIG_KEY = "public_access_block"


def parse_block(data: bytes) -> PublicAccessBlock:
    """A PublicAccessBlockConfiguration document (absent fields are false)."""
    root = xml.parse(data, "PublicAccessBlockConfiguration")
    values: dict[str, bool] = {}
    for name in FIELDS:
        text = xml.text(root, name)
        if text is None:
            continue
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise S3Error("MalformedXML")
        values[name] = lowered == "true"
    return PublicAccessBlock.from_dict(values)


def block_doc(block: PublicAccessBlock, namespace: str | None = None) -> bytes:
    parts = [xml.el(k, "true" if v else "false") for k, v in block.to_dict().items()]
    if namespace is None:
        return xml.doc("PublicAccessBlockConfiguration", parts)
    body = "".join(parts)
    return (
        xml.HEADER + f'<PublicAccessBlockConfiguration xmlns="{namespace}">'
        f"{body}</PublicAccessBlockConfiguration>"
    ).encode()


@handles("GetPublicAccessBlock")
async def get_public_access_block(req: S3Request) -> web.StreamResponse:
    bucket = req.bucket_state()
    stored = bucket.config.get(CONFIG_KEY)
    if stored is None:
        raise S3Error("NoSuchPublicAccessBlockConfiguration", extra={"BucketName": bucket.name})
    return xml_response(block_doc(PublicAccessBlock.from_dict(stored)))


@handles("PutPublicAccessBlock")
async def put_public_access_block(req: S3Request) -> web.StreamResponse:
    block = parse_block(await read_verified(req))

    def update(bucket: Bucket) -> None:
        bucket.config[CONFIG_KEY] = block.to_dict()

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(200)


@handles("DeletePublicAccessBlock")
async def delete_public_access_block(req: S3Request) -> web.StreamResponse:
    def update(bucket: Bucket) -> None:
        bucket.config.pop(CONFIG_KEY, None)

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)
