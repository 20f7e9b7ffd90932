"""Request bodies as the engine takes them: decoded pieces plus their checksums.

The engine ingests the body (hashing, temp file, fsync, publish); this module only
states what the protocol requires of it: aws-chunked framing and chunk signatures are
undone by :class:`PayloadReader`, Content-MD5 and x-amz-checksum-* (header or trailer)
are checked by :class:`BodyChecksums` once the last byte is in (BadDigest…), and a
declared length past the limit is refused before a byte is read.
"""

from __future__ import annotations

from grenier.engine import MAX_OBJECT_SIZE, Body
from grenier.s3 import xml
from grenier.s3.auth import BodyChecksums, PayloadReader
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error


def request_body(
    req: S3Request, *, limit: int = MAX_OBJECT_SIZE, default_algorithm: str | None = "CRC64NVME"
) -> Body:
    """The body of ``req`` for the engine. Like AWS, an object sent without any checksum
    still gets a full-object CRC64NVME (``default_algorithm``)."""
    headers = req.headers
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise S3Error(
            "EntityTooLarge", extra={"ProposedSize": declared, "MaxSizeAllowed": str(limit)}
        )
    checks = BodyChecksums.from_request(headers, default_algorithm=default_algorithm)
    reader = PayloadReader(req.auth, headers, req.http.content.iter_any())
    return Body(
        pieces=reader, hasher=checks, verify=lambda: checks.verify(reader.trailers), limit=limit
    )


async def read_verified(req: S3Request, limit: int = xml.MAX_BODY) -> bytes:
    """A small configuration body, checked against Content-MD5 or x-amz-checksum-*."""
    data = await req.http.content.read(limit + 1)
    if len(data) > limit:
        raise S3Error("MaxMessageLengthExceeded")
    checks = BodyChecksums.from_request(req.headers)
    checks.update(data)
    checks.verify({})
    return data
