"""What authentication reads (a request view) and what it hands back (an auth context).

Both are plain data so this package stays framework-free: the server adapts an
aiohttp request into a :class:`RequestView`, and keeps the :class:`AuthContext`
to decode the body later (:class:`grenier.s3.auth.PayloadReader`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Values of x-amz-content-sha256 (and the payload modes they select).
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_ECDSA = ("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

PAYLOAD_MODES = {
    UNSIGNED_PAYLOAD: "unsigned",
    STREAMING_SIGNED: "streaming-signed",
    STREAMING_SIGNED_TRAILER: "streaming-signed-trailer",
    STREAMING_UNSIGNED_TRAILER: "streaming-unsigned-trailer",
}
STREAMING_MODES = frozenset(
    {"streaming-signed", "streaming-signed-trailer", "streaming-unsigned-trailer"}
)


@dataclass(frozen=True)
class RequestView:
    """A framework-agnostic view of an HTTP request.

    ``raw_path`` is the path exactly as received (percent-encoded, no query) and
    ``raw_query`` the query string exactly as received, without the ``?``.
    ``headers`` is case-insensitive (``multidict.CIMultiDictProxy`` in practice).
    ``vhost_bucket`` names the bucket when the router found it in the Host header
    (virtual-hosted style): SigV2 signs ``/bucket`` + path in that case.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    vhost_bucket: str | None = None


@dataclass
class AuthContext:
    """Who signed a request, how, and what is needed to verify its body.

    ``access_key`` is None for anonymous requests: whether they are allowed is
    decided later by the caller (policies), not here.
    """

    access_key: str | None
    scheme: str  # anonymous | sigv4 | sigv4-presigned | sigv2 | sigv2-presigned
    payload: str  # none | signed | unsigned | streaming-signed | streaming-*-trailer
    region: str | None = None
    service: str | None = None
    signing_key: bytes | None = field(default=None, repr=False)
    scope: str | None = None  # "20130524/us-east-1/s3/aws4_request"
    amz_date: str | None = None  # "20130524T000000Z"
    seed_signature: str | None = None  # the request signature, seeds chunk signatures
    content_sha256: str | None = None  # expected hex sha256 of the body ("signed")
    signed_headers: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return self.access_key is None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """One header value, all values joined with ',' when repeated."""
    getall = getattr(headers, "getall", None)
    if getall is not None:
        values = getall(name, [])
        return ",".join(values) if values else None
    value = headers.get(name)
    if value is None and not hasattr(headers, "getone"):  # a plain dict: scan it
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value
