"""Building responses: XML bodies, common headers, and error documents."""

from __future__ import annotations

import re

from aiohttp import web

from grenier.s3 import xml
from grenier.s3.errors import S3Error

XML_TYPE = "application/xml"
# What a header value may carry on the wire: visible ASCII, space and tab.
_NOT_HEADER = re.compile(r"[^\t\x20-\x7e]")


def xml_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    resp = web.Response(body=body, status=status, headers=headers)
    resp.content_type = XML_TYPE
    return resp


def empty(status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, headers=headers)


def error_response(err: S3Error, method: str, resource: str, request_id: str) -> web.Response:
    """The response for ``err``; never fails, whatever the error carries (its values
    may echo undecodable or control bytes from the request)."""
    status = err.http_status
    headers = {name: _NOT_HEADER.sub("?", str(value)) for name, value in err.headers.items()}
    if method == "HEAD" or status == 304:
        resp = web.Response(status=status, headers=headers)
        if status != 304:
            resp.content_type = XML_TYPE
        return resp
    body = xml.error_doc(err.code, err.text, resource, request_id, err.extra)
    return xml_response(body, status=status, headers=headers)
