"""SigV4 building blocks: URI encoding, canonical request, string to sign, keys.

S3 signs the path as sent: no double encoding and no dot-segment or slash
normalisation (``a//b`` and ``a/../b`` are distinct keys). The spec's canonical
form re-encodes every byte but ``A-Za-z0-9-._~`` (and ``/`` in paths); clients
that send another (still valid) encoding signed either that canonical form or
the raw text, so verification tries both (see :func:`uri_candidates`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"


def uri_encode(raw: bytes, *, keep_slash: bool) -> str:
    """Percent-encode every byte but the unreserved ones (and '/' if asked)."""
    return quote(raw, safe="/" if keep_slash else "")


_PLAIN = re.compile(r"[A-Za-z0-9\-._~/]*")


def uri_candidates(raw_path: str, service: str) -> Iterator[str]:
    """Canonical URIs a client may have signed for ``raw_path``, most likely first
    (lazily: the first one nearly always matches)."""
    path = raw_path or "/"
    # Nothing to encode is the common case: then no quote/unquote round trip.
    plain = _PLAIN.fullmatch(path)
    first = path if plain else uri_encode(unquote_to_bytes(path), keep_slash=True)
    yield first
    if path != first:
        yield path
    if service != "s3":  # botocore's SigV4Auth (IAM, STS): normalised, then quoted again
        normalised = quote(remove_dot_segments(path), safe="/~")
        if normalised not in (first, path):
            yield normalised


def remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal plus empty-segment removal, as non-S3 services sign."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and out else ""
    return lead + "/".join(out) + trail


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string into (name, value) pairs, still percent-encoded."""
    pairs = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs


def decoded(text: str) -> str:
    return unquote_to_bytes(text).decode("utf-8", "surrogateescape")


def query_candidates(pairs: list[tuple[str, str]], drop: str | None = None) -> list[str]:
    """Canonical query strings for ``pairs`` (minus the ``drop`` parameter)."""
    if not pairs:
        return [""]
    kept = [(n, v) for n, v in pairs if drop is None or decoded(n) != drop]
    encoded = sorted(
        (
            uri_encode(unquote_to_bytes(n), keep_slash=False),
            uri_encode(unquote_to_bytes(v), keep_slash=False),
        )
        for n, v in kept
    )
    out = ["&".join(f"{n}={v}" for n, v in encoded)]
    raw = "&".join(f"{n}={v}" for n, v in sorted(kept))
    if raw != out[0]:
        out.append(raw)
    return out


def header_values(headers: Mapping[str, str], name: str) -> list[str]:
    getall = getattr(headers, "getall", None)
    if getall is not None:
        return list(getall(name, []))
    lower = name.lower()
    return [v for k, v in headers.items() if k.lower() == lower]


def canonical_headers(headers: Mapping[str, str], names: list[str]) -> str:
    """``name:trimmed,values\\n`` for every signed header, in the order given."""
    lines = []
    for name in names:
        value = ",".join(" ".join(v.split()) for v in header_values(headers, name))
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def canonical_request(
    method: str, uri: str, query: str, headers: str, signed: list[str], payload_hash: str
) -> str:
    return "\n".join((method, uri, query, headers, ";".join(signed), payload_hash))


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


@functools.lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """HMAC chain AWS4+secret -> date -> region -> service -> aws4_request."""
    key = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def sign(key: bytes, text: str) -> str:
    return hmac.digest(key, text.encode("utf-8", "surrogateescape"), "sha256").hex()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))
