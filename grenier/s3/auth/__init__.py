"""S3 request authentication (SigV4, SigV2) and request-body decoding/verification.

Pure and framework-light: the server adapts its HTTP request into a
:class:`RequestView`, calls :func:`authenticate`, then streams the body through
:class:`PayloadReader` (aws-chunked decoding, chunk signatures, sha256) and
:class:`BodyChecksums` (MD5 + x-amz-checksum-*). Every failure is an
:class:`grenier.s3.errors.S3Error` carrying the code AWS answers.
"""

from grenier.s3.auth.authenticate import authenticate
from grenier.s3.auth.context import AuthContext, RequestView

__all__ = ["AuthContext", "RequestView", "authenticate"]
