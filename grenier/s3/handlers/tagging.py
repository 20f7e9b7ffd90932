"""Object tagging (Put/Get/DeleteObjectTagging) and bucket tagging (Put/Get/DeleteBucketTagging).

Limits are S3's: 10 tags per object, 50 per bucket, keys up to 128 characters, values up
to 256, no duplicate keys, no ``aws:`` prefix; any violation is ``InvalidTag``.
"""

from __future__ import annotations

from aiohttp import web

from grenier.engine import Bucket, ObjectVersion
from grenier.iam.request_keys import request_tag_keys
from grenier.s3 import objectmeta, xml
from grenier.s3.body import read_verified
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.get import resolve, version_arg
from grenier.s3.responses import empty, xml_response

MAX_BUCKET_TAGS = 50


def parse_tagging(data: bytes, limit: int, what: str) -> dict[str, str]:
    root = xml.parse(data, "Tagging")
    tagset = xml.child(root, "TagSet")
    if tagset is None:
        raise S3Error("MalformedXML")
    tags: dict[str, str] = {}
    for tag in xml.children(tagset, "Tag"):
        key, value = xml.text(tag, "Key"), xml.text(tag, "Value")
        if key is None or value is None:
            raise S3Error("MalformedXML")
        if key in tags:
            raise S3Error("InvalidTag", message="Cannot provide multiple Tags with the same key")
        tags[key] = value
    if len(tags) > limit:
        raise S3Error("InvalidTag", message=f"{what} tags cannot be greater than {limit}")
    objectmeta.validate_tags(tags, limit=limit)
    return tags


def tagging_doc(tags: dict[str, str]) -> bytes:
    items = "".join(
        "<Tag>" + xml.el("Key", k) + xml.el("Value", v) + "</Tag>" for k, v in tags.items()
    )
    return xml.doc("Tagging", [f"<TagSet>{items}</TagSet>"])


def _version_header(obj: ObjectVersion) -> dict[str, str]:
    return {"x-amz-version-id": obj.version_id}


@handles("GetObjectTagging")
async def get_object_tagging(req: S3Request) -> web.StreamResponse:
    obj = resolve(req)
    return xml_response(tagging_doc(obj.tags), headers=_version_header(obj))


async def _set_tags(req: S3Request, tags: dict[str, str]) -> ObjectVersion:
    bucket, key, vid = req.require_bucket(), req.require_key(), version_arg(req)
    resolve(req)  # delete markers: 405 with x-amz-delete-marker, missing: 404
    return await req.engine.update_tags(bucket, key, vid, tags)


@handles("PutObjectTagging")
async def put_object_tagging(req: S3Request) -> web.StreamResponse:
    tags = parse_tagging(await read_verified(req), objectmeta.MAX_TAGS, "Object")
    if req.service.body_authorizer is not None:  # s3:RequestObjectTag/<key> conditions
        req.service.body_authorizer(req, request_tag_keys(tags))
    obj = await _set_tags(req, tags)
    return empty(200, _version_header(obj))


@handles("DeleteObjectTagging")
async def delete_object_tagging(req: S3Request) -> web.StreamResponse:
    obj = await _set_tags(req, {})
    return empty(204, _version_header(obj))


@handles("GetBucketTagging")
async def get_bucket_tagging(req: S3Request) -> web.StreamResponse:
    bucket = req.engine.get_bucket(req.require_bucket())
    tags = bucket.config.get("tags")
    if not tags:
        raise S3Error("NoSuchTagSet", extra={"BucketName": bucket.name})
    return xml_response(tagging_doc(dict(tags)))


@handles("PutBucketTagging")
async def put_bucket_tagging(req: S3Request) -> web.StreamResponse:
    tags = parse_tagging(await read_verified(req), MAX_BUCKET_TAGS, "Bucket")

    def update(bucket: Bucket) -> None:
        bucket.config["tags"] = [[k, v] for k, v in tags.items()]

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)


@handles("DeleteBucketTagging")
async def delete_bucket_tagging(req: S3Request) -> web.StreamResponse:
    def update(bucket: Bucket) -> None:
        bucket.config.pop("tags", None)

    await req.engine.update_bucket(req.require_bucket(), update)
    return empty(204)
