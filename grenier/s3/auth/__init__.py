"""S3 request authentication (SigV4, SigV2) and request-body decoding/verification.

Pure and framework-light: the server adapts its HTTP request into a
:class:`RequestView`, calls :func:`authenticate`, then streams the body through
:class:`PayloadReader` (aws-chunked decoding, chunk signatures, sha256) and
:class:`BodyChecksums` (MD5 + x-amz-checksum-*). Every failure is an
:class:`grenier.s3.errors.S3Error` carrying the code AWS answers.
"""

from grenier.s3.auth.authenticate import authenticate
from grenier.s3.auth.body import BodyChecksums
from grenier.s3.auth.checksums import ALGORITHMS, new_checksum
from grenier.s3.auth.context import AuthContext, RequestView
from grenier.s3.auth.multipart import combine_crc, composite_checksum, multipart_etag
from grenier.s3.auth.payload import PayloadReader

__all__ = [
    "ALGORITHMS",
    "AuthContext",
    "BodyChecksums",
    "PayloadReader",
    "RequestView",
    "authenticate",
    "combine_crc",
    "composite_checksum",
    "multipart_etag",
    "new_checksum",
]
