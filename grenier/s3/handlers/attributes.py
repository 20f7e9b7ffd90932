"""GetObjectAttributes: an object's ETag, checksum, parts, storage class and size."""

from __future__ import annotations

from aiohttp import web

from grenier.s3 import xml
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.get import resolve
from grenier.s3.httputil import check_read_conditions, http_date
from grenier.s3.responses import xml_response

KNOWN = {"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"}


def requested(req: S3Request) -> list[str]:
    raw = req.headers.get("x-amz-object-attributes", "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or any(n not in KNOWN for n in names):
        raise S3Error(
            "InvalidArgument",
            message="Invalid attribute name specified.",
            extra={"ArgumentName": "x-amz-object-attributes", "ArgumentValue": raw},
        )
    return names


@handles("GetObjectAttributes")
async def get_object_attributes(req: S3Request) -> web.StreamResponse:
    names = requested(req)
    obj = resolve(req)
    check_read_conditions(req.headers, obj.etag, obj.last_modified)
    fields: list[str] = []
    if "ETag" in names:
        fields.append(xml.el("ETag", obj.etag))
    if "Checksum" in names and obj.checksums:
        sums = "".join(xml.el(f"Checksum{alg}", v) for alg, v in obj.checksums.items())
        kind = "COMPOSITE" if any("-" in v for v in obj.checksums.values()) else "FULL_OBJECT"
        fields.append(f"<Checksum>{sums}{xml.el('ChecksumType', kind)}</Checksum>")
    if "ObjectParts" in names and obj.parts:
        fields.append(_parts(req, obj.parts))
    if "StorageClass" in names:
        fields.append(xml.el("StorageClass", obj.meta.get("storage-class", "STANDARD")))
    if "ObjectSize" in names:
        fields.append(xml.el("ObjectSize", obj.size))
    headers = {"Last-Modified": http_date(obj.last_modified)}
    if obj.version_id != "null" or req.bucket_state().versioning:
        headers["x-amz-version-id"] = obj.version_id
    return xml_response(xml.doc("GetObjectAttributesResponse", fields), headers=headers)


def _parts(req: S3Request, sizes: list[int]) -> str:
    raw_max = req.headers.get("x-amz-max-parts", "1000")
    raw_marker = req.headers.get("x-amz-part-number-marker", "0")
    if not raw_max.isdigit() or not raw_marker.isdigit():
        raise S3Error("InvalidArgument", message="Invalid part number marker or max parts.")
    limit, marker = min(int(raw_max), 1000), int(raw_marker)
    chosen = list(enumerate(sizes, start=1))[marker : marker + limit]
    truncated = marker + limit < len(sizes)
    items = "".join(
        "<Part>" + xml.el("PartNumber", n) + xml.el("Size", size) + "</Part>" for n, size in chosen
    )
    return (
        "<ObjectParts>"
        + xml.el("PartsCount", len(sizes))
        + xml.el("PartNumberMarker", marker)
        + xml.el("NextPartNumberMarker", chosen[-1][0] if chosen else marker)
        + xml.el("MaxParts", limit)
        + xml.el("IsTruncated", "true" if truncated else "false")
        + items
        + "</ObjectParts>"
    )
