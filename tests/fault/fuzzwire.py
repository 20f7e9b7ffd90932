"""The fuzz loop's vocabulary: a request as it goes on the wire, what requests aim at,
hostile values for S3 headers, ordinary S3 operations, and signing them (tests/rawsig.py).
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.rawsig import Headers, Signer

UNSIGNED = "UNSIGNED-PAYLOAD"
TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNED_CHUNKS = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


@dataclass
class Wire:
    """One request as it goes on the wire."""

    kind: str
    method: str
    target: str  # path?query, already encoded
    headers: Headers
    body: bytes = b""

    def encode(self) -> bytes:
        head = f"{self.method} {self.target} HTTP/1.1\r\n".encode()
        head += b"".join(n + b": " + v + b"\r\n" for n, v in self.headers)
        head += f"Content-Length: {len(self.body)}\r\n\r\n".encode()
        return head + self.body

    def describe(self) -> str:
        lines = [f"[{self.kind}] {self.method} {self.target}"]
        lines += [f"  {n!r}: {v[:200]!r}" for n, v in self.headers]
        lines.append(f"  body ({len(self.body)} B): {self.body[:300]!r}")
        return "\n".join(lines)


@dataclass
class World:
    """What requests aim at: a plain and a versioned bucket, keys, an upload id."""

    signer: Signer
    host: bytes
    bucket: str
    versioned: str
    keys: list[str]
    upload_id: str
    extra_buckets: list[str] = field(default_factory=list)


# --- values ---------------------------------------------------------------------------

ODD_BYTES = [b"\xff", b"\xc3", b"\xe9t\xe9", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xef\xbf\xbe"]


def junk(rng: random.Random, size: int | None = None) -> bytes:
    """A header-safe value: visible ASCII, spaces, tabs and obs-text bytes (0x80-0xff)."""
    size = rng.choice([0, 1, 3, 12, 40, 300]) if size is None else size
    alphabet = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100)) + b"\t"
    return bytes(rng.choice(alphabet) for _ in range(size)).strip()


def number(rng: random.Random) -> bytes:
    return rng.choice([b"0", b"1", b"-1", b"10000", b"10001", b"2147483648", b"99999999999999999999", b"1e3", b"0x10", b" 7 ", b""])  # fmt: skip


def b64(rng: random.Random, size: int) -> bytes:
    return base64.b64encode(rng.randbytes(size))


def date_value(rng: random.Random) -> bytes:
    return rng.choice([b"Wed, 21 Oct 2015 07:28:00 GMT", b"Mon, 01 Jan 3000 00:00:00 GMT", b"yesterday", b"20130524T000000Z", b"Thu, 32 Foo 1999 99:99:99 XYZ", b"0"])  # fmt: skip


HEADER_VALUES: dict[bytes, Callable[[random.Random, World], bytes]] = {
    b"range": lambda r, w: r.choice(
        [
            b"bytes=0-5",
            b"bytes=-0",
            b"bytes=5-1",
            b"bytes=0-0,2-3",
            b"bytes=99999999999999999999-",
            b"items=0-1",
            b"bytes=-",
            b"bytes=3-",
        ]
    ),  # fmt: skip
    b"if-match": lambda r, w: r.choice([b"*", b'"abc"', b'W/"x"', b",", junk(r)]),
    b"if-none-match": lambda r, w: r.choice([b"*", b'"abc"', junk(r)]),
    b"if-modified-since": lambda r, w: date_value(r),
    b"if-unmodified-since": lambda r, w: date_value(r),
    b"content-md5": lambda r, w: r.choice([b64(r, 16), b64(r, 3), b"not base64!", b""]),
    b"content-type": lambda r, w: r.choice(
        [
            b"text/plain",
            b"application/xml",
            b"multipart/form-data; boundary=xyz",
            b"multipart/form-data",
            junk(r),
        ]
    ),  # fmt: skip
    b"content-encoding": lambda r, w: r.choice(
        [b"aws-chunked", b"gzip", b"aws-chunked,gzip", junk(r)]
    ),  # fmt: skip
    b"content-disposition": lambda r, w: junk(r),
    b"cache-control": lambda r, w: junk(r),
    b"expires": lambda r, w: date_value(r),
    b"expect": lambda r, w: r.choice([b"100-continue", b"200-ok"]),
    b"origin": lambda r, w: r.choice([b"http://example.com", b"null", junk(r)]),
    b"access-control-request-method": lambda r, w: r.choice([b"GET", b"PUT", junk(r)]),
    b"x-amz-copy-source": lambda r, w: r.choice(
        [
            b"/" + w.bucket.encode() + b"/" + quote(r.choice(w.keys)).encode(),
            w.bucket.encode() + b"/k?versionId=zz",
            b"/",
            b"%ff%fe",
            b"/" + w.versioned.encode() + b"/x?versionId=",
            junk(r),
        ]
    ),  # fmt: skip
    b"x-amz-copy-source-range": lambda r, w: r.choice(
        [b"bytes=0-1", b"bytes=5-1", b"bytes=0-", junk(r)]
    ),  # fmt: skip
    b"x-amz-copy-source-if-match": lambda r, w: junk(r),
    b"x-amz-copy-source-if-modified-since": lambda r, w: date_value(r),
    b"x-amz-metadata-directive": lambda r, w: r.choice([b"COPY", b"REPLACE", junk(r)]),
    b"x-amz-tagging-directive": lambda r, w: r.choice([b"COPY", b"REPLACE", junk(r)]),
    b"x-amz-tagging": lambda r, w: r.choice(
        [
            b"a=b&c=d",
            b"a=b&a=c",
            b"=",
            b"%zz=1",
            b"&".join(b"k%d=v" % i for i in range(11)),
            b"aws:x=1",
            junk(r),
        ]
    ),  # fmt: skip
    b"x-amz-meta-": lambda r, w: junk(r),
    b"x-amz-acl": lambda r, w: r.choice(
        [b"private", b"public-read", b"bucket-owner-full-control", junk(r)]
    ),  # fmt: skip
    b"x-amz-grant-read": lambda r, w: r.choice(
        [
            b'id="abc"',
            b'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
            b'emailAddress="a@b"',
            junk(r),
        ]
    ),  # fmt: skip
    b"x-amz-storage-class": lambda r, w: r.choice([b"STANDARD", b"GLACIER", junk(r)]),
    b"x-amz-website-redirect-location": lambda r, w: r.choice([b"/x", b"http://e.com/", junk(r)]),
    b"x-amz-server-side-encryption": lambda r, w: r.choice([b"AES256", b"aws:kms", junk(r)]),
    b"x-amz-server-side-encryption-customer-algorithm": lambda r, w: b"AES256",
    b"x-amz-object-attributes": lambda r, w: r.choice(
        [b"ETag,Checksum,ObjectParts,StorageClass,ObjectSize", b"", b",,", junk(r)]
    ),  # fmt: skip
    b"x-amz-max-parts": lambda r, w: number(r),
    b"x-amz-part-number-marker": lambda r, w: number(r),
    b"x-amz-checksum-mode": lambda r, w: r.choice([b"ENABLED", junk(r)]),
    b"x-amz-checksum-crc32": lambda r, w: r.choice([b64(r, 4), b64(r, 9), junk(r)]),
    b"x-amz-checksum-crc32c": lambda r, w: b64(r, r.choice([4, 5])),
    b"x-amz-checksum-crc64nvme": lambda r, w: b64(r, r.choice([8, 2])),
    b"x-amz-checksum-sha1": lambda r, w: b64(r, r.choice([20, 1])),
    b"x-amz-checksum-sha256": lambda r, w: b64(r, r.choice([32, 31])),
    b"x-amz-sdk-checksum-algorithm": lambda r, w: r.choice(
        [b"CRC32", b"SHA256", b"MD5", junk(r)]
    ),  # fmt: skip
    b"x-amz-checksum-algorithm": lambda r, w: r.choice([b"CRC32", b"CRC64NVME", junk(r)]),
    b"x-amz-checksum-type": lambda r, w: r.choice([b"FULL_OBJECT", b"COMPOSITE", junk(r)]),
    b"x-amz-decoded-content-length": lambda r, w: number(r),
    b"x-amz-trailer": lambda r, w: r.choice(
        [b"x-amz-checksum-crc32", b"x-amz-checksum-nope", junk(r)]
    ),  # fmt: skip
    b"x-amz-object-ownership": lambda r, w: r.choice(
        [b"BucketOwnerEnforced", b"ObjectWriter", junk(r)]
    ),  # fmt: skip
    b"x-amz-bucket-object-lock-enabled": lambda r, w: r.choice([b"true", b"false", junk(r)]),
    b"x-amz-expected-bucket-owner": lambda r, w: junk(r),
    b"x-amz-request-payer": lambda r, w: b"requester",
    b"x-amz-mp-object-size": lambda r, w: number(r),
    b"x-amz-write-offset-bytes": lambda r, w: number(r),
    b"x-amz-security-token": lambda r, w: junk(r),
}


def extra_headers(rng: random.Random, world: World, count: int) -> Headers:
    out: Headers = []
    for name in rng.sample(sorted(HEADER_VALUES), count):
        value = HEADER_VALUES[name](rng, world)
        if name == b"x-amz-meta-":
            name += rng.choice([b"a", b"mtime", b"Mixed-Case", b"x" * 200])
        if rng.random() < 0.08:
            value += rng.choice(ODD_BYTES)
        out.append((name, value))
    return out


# --- targets ----------------------------------------------------------------------------


def key_path(bucket: str, key: str | None) -> str:
    return f"/{bucket}" + ("" if key is None else "/" + quote(key, safe="/~"))


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    encoded = sorted((quote(n, safe="-_.~"), quote(v, safe="-_.~")) for n, v in pairs)
    return "&".join(f"{n}={v}" for n, v in encoded)


def operation(rng: random.Random, world: World) -> tuple[str, str, list[tuple[str, str]], bool]:
    """(method, path, query pairs, has body) of an ordinary S3 operation."""
    bucket = rng.choice([world.bucket, world.bucket, world.versioned, *world.extra_buckets])
    key = rng.choice(world.keys)
    upload = rng.choice([world.upload_id, "nope", ""])
    choices: list[tuple[str, str, list[tuple[str, str]], bool]] = [
        ("PUT", key_path(bucket, key), [], True),
        ("GET", key_path(bucket, key), [], False),
        ("HEAD", key_path(bucket, key), [], False),
        ("DELETE", key_path(bucket, key), [], False),
        (
            "GET",
            key_path(bucket, None),
            [
                ("list-type", "2"),
                ("max-keys", rng.choice(["-1", "0", "2", "x"])),
                ("prefix", rng.choice(["", "d", "\u00e9"])),
            ],
            False,
        ),  # fmt: skip
        (
            "GET",
            key_path(bucket, None),
            [
                ("delimiter", rng.choice(["/", "", "ab"])),
                ("marker", key),
                ("encoding-type", rng.choice(["url", "bogus"])),
            ],
            False,
        ),  # fmt: skip
        (
            "GET",
            key_path(bucket, None),
            [
                ("versions", ""),
                ("key-marker", key),
                ("version-id-marker", rng.choice(["", "null", "zz"])),
            ],
            False,
        ),  # fmt: skip
        (
            "GET",
            key_path(bucket, None),
            [("list-type", "2"), ("continuation-token", rng.choice(["", "zz", "AAAA", "%%"]))],
            False,
        ),  # fmt: skip
        ("POST", key_path(bucket, key), [("uploads", "")], False),
        (
            "PUT",
            key_path(bucket, key),
            [("partNumber", rng.choice(["1", "0", "10001", "x"])), ("uploadId", upload)],
            True,
        ),  # fmt: skip
        (
            "GET",
            key_path(bucket, key),
            [("uploadId", upload), ("max-parts", rng.choice(["1", "-5"]))],
            False,
        ),  # fmt: skip
        ("DELETE", key_path(bucket, key), [("uploadId", upload)], False),
        ("GET", key_path(bucket, key), [("attributes", "")], False),
        ("GET", key_path(bucket, key), [("tagging", "")], False),
        ("GET", key_path(bucket, key), [("acl", "")], False),
        ("GET", key_path(bucket, key), [("versionId", rng.choice(["", "null", "zz"]))], False),
        ("GET", key_path(bucket, key), [("partNumber", rng.choice(["1", "2", "0", "x"]))], False),
        (
            "GET",
            key_path(bucket, key),
            [("response-content-type", "text/x"), ("response-expires", rng.choice(["x", "0"]))],
            False,
        ),  # fmt: skip
        ("HEAD", key_path(bucket, None), [], False),
        ("GET", key_path(bucket, None), [("location", "")], False),
        (
            "GET",
            key_path(bucket, None),
            [("uploads", ""), ("max-uploads", rng.choice(["0", "-1", "x"]))],
            False,
        ),  # fmt: skip
        (
            "GET",
            key_path(bucket, None),
            [
                (
                    rng.choice(
                        [
                            "policy",
                            "cors",
                            "lifecycle",
                            "versioning",
                            "tagging",
                            "ownershipControls",
                            "policyStatus",
                            "encryption",
                            "object-lock",
                            "website",
                        ]
                    ),
                    "",
                )
            ],
            False,
        ),  # fmt: skip
        ("OPTIONS", key_path(bucket, key), [], False),
        ("GET", "/", [], False),
        ("PATCH", key_path(bucket, key), [], True),
    ]
    return rng.choice(choices)


def signed_request(
    world: World,
    kind: str,
    method: str,
    path: str,
    query: str,
    headers: Headers,
    body: bytes,
    payload: str | None = None,
    signed: list[bytes] | None = None,
) -> Wire:
    base = [(b"host", world.host), *headers]
    payload_hash = payload or hashlib.sha256(body).hexdigest()
    out, _ = world.signer.sign(method, path, query, base, payload_hash, signed=signed)
    return Wire(kind, method, path + (f"?{query}" if query else ""), out, body)
