"""Seeded generators of hostile S3 requests: headers, XML bodies, aws-chunked framing and
SigV4 fields. Every request is valid HTTP/1.1 (the server's HTTP parser answers broken
HTTP itself); what it says is not. Each generator returns a :class:`Wire` request.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.rawsig import EMPTY_SHA256, Headers, Signer

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


def key_value(rng: random.Random, world: World) -> bytes:
    return rng.choice([*(k.encode() for k in world.keys), b"", b"/", b"../../etc/passwd"])


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


# --- generators ---------------------------------------------------------------------------


def gen_headers(rng: random.Random, world: World) -> Wire:
    """An ordinary operation with a few hostile headers, signed (or, now and then, not)."""
    method, path, pairs, has_body = operation(rng, world)
    body = rng.randbytes(rng.choice([0, 1, 100, 5000])) if has_body else b""
    headers = extra_headers(rng, world, rng.choice([0, 1, 2, 3, 5]))
    signed = None
    if headers and rng.random() < 0.1:  # one header left out of the signature
        signed = [n.lower() for n, _ in headers[1:]]
    payload = rng.choice([None, None, UNSIGNED])
    return signed_request(world, "headers", method, path, canonical_query(pairs), headers, body, payload, signed)  # fmt: skip


XML_OPS: list[tuple[str, str, str, str]] = [
    # (method, target kind, query, root element)
    ("PUT", "bucket", "versioning", "VersioningConfiguration"),
    ("PUT", "bucket", "tagging", "Tagging"),
    ("PUT", "object", "tagging", "Tagging"),
    ("POST", "bucket", "delete", "Delete"),
    ("PUT", "bucket", "cors", "CORSConfiguration"),
    ("PUT", "bucket", "lifecycle", "LifecycleConfiguration"),
    ("PUT", "bucket", "acl", "AccessControlPolicy"),
    ("PUT", "object", "acl", "AccessControlPolicy"),
    ("PUT", "bucket", "ownershipControls", "OwnershipControls"),
    ("POST", "object", "uploadId", "CompleteMultipartUpload"),
    ("PUT", "new-bucket", "", "CreateBucketConfiguration"),
]


def xml_inner(rng: random.Random, root: str, world: World) -> str:
    key = rng.choice(world.keys).replace("&", "&amp;").replace("<", "&lt;")
    text = rng.choice(["", "x", "Enabled", "-1", "99999999999999999999", "\u00e9", "&amp;", "&#0;", "&#xD800;", "&unknown;"])  # fmt: skip
    inner = {
        "VersioningConfiguration": f"<Status>{rng.choice(['Enabled', 'Suspended', text])}</Status><MfaDelete>{text}</MfaDelete>",  # fmt: skip
        "Tagging": "<TagSet>"
        + "".join(
            f"<Tag><Key>{text or 'k'}{i}</Key><Value>{text}</Value></Tag>"
            for i in range(rng.choice([0, 1, 11, 51]))
        )
        + "</TagSet>",  # fmt: skip
        "Delete": f"<Quiet>{rng.choice(['true', 'false', text])}</Quiet>"
        + "".join(
            f"<Object><Key>{key}</Key><VersionId>{text}</VersionId></Object>"
            for _ in range(rng.choice([0, 1, 3, 1001]))
        ),  # fmt: skip
        "CORSConfiguration": f"<CORSRule><AllowedOrigin>{text or '*'}</AllowedOrigin><AllowedMethod>{rng.choice(['GET', 'BREW', text])}</AllowedMethod><MaxAgeSeconds>{text}</MaxAgeSeconds><AllowedHeader>*</AllowedHeader></CORSRule>",  # fmt: skip
        "LifecycleConfiguration": f"<Rule><ID>{text}</ID><Filter><Prefix>{text}</Prefix></Filter><Status>{rng.choice(['Enabled', text])}</Status><Expiration><Days>{rng.choice(['1', '0', text])}</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>{text}</NoncurrentDays></NoncurrentVersionExpiration></Rule>",  # fmt: skip
        "AccessControlPolicy": f'<Owner><ID>{text}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="{rng.choice(["CanonicalUser", "Group", "AmazonCustomerByEmail", text])}"><ID>{text}</ID><URI>{text}</URI></Grantee><Permission>{rng.choice(["READ", "FULL_CONTROL", text])}</Permission></Grant></AccessControlList>',  # fmt: skip
        "OwnershipControls": f"<Rule><ObjectOwnership>{rng.choice(['BucketOwnerPreferred', 'ObjectWriter', text])}</ObjectOwnership></Rule>",  # fmt: skip
        "CompleteMultipartUpload": "".join(
            f"<Part><PartNumber>{rng.choice(['1', '2', '0', text])}</PartNumber><ETag>{text}</ETag><ChecksumCRC32>{text}</ChecksumCRC32></Part>"
            for _ in range(rng.choice([0, 1, 2]))
        ),  # fmt: skip
        "CreateBucketConfiguration": f"<LocationConstraint>{rng.choice(['us-east-1', 'eu-west-1', text])}</LocationConstraint>",  # fmt: skip
    }[root]
    return inner


def mutate_xml(rng: random.Random, doc: bytes) -> bytes:
    choice = rng.randrange(14)
    if choice == 0:
        return doc[: rng.randrange(len(doc) + 1)]
    if choice == 1:
        at = rng.randrange(len(doc) + 1)
        return doc[:at] + rng.randbytes(rng.choice([1, 4, 30])) + doc[at:]
    if choice == 2:
        encoding = rng.choice([b"x-unknown", b"shift_jis", b"utf-16", b"latin-1", b"ebcdic-cp-us", b"", b"UTF-8\xff"])  # fmt: skip
        return b'<?xml version="1.0" encoding="' + encoding + b'"?>' + doc
    if choice == 3:  # entity expansion, bounded (expat refuses real bombs)
        ents = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'  # fmt: skip
        return ents + doc.replace(b"</", b"&c;</", 1)
    if choice == 4:  # external entity: must never be read
        xxe = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        return xxe + doc.replace(b"</", b"&x;</", 1)
    if choice == 5:
        depth = rng.choice([100, 3000])
        return doc.replace(b"</", b"<a>" * depth + b"</a>" * depth + b"</", 1)
    if choice == 6:
        return b"\xef\xbb\xbf" + doc
    if choice == 7:
        return doc.decode("utf-8", "replace").encode("utf-16")
    if choice == 8:
        return doc.replace(b">", b' xmlns:p="urn:x" p:attr="1">', 1)
    if choice == 9:
        return doc + doc
    if choice == 10:
        return b""
    if choice == 11:
        return b"<![CDATA[" + doc + b"]]>"
    if choice == 12:
        return doc.replace(b"<", b"<?pi data?><!-- c --><", 2)
    return doc


def gen_xml(rng: random.Random, world: World) -> Wire:
    method, target, query, root = rng.choice(XML_OPS)
    bucket = rng.choice([world.bucket, world.versioned])
    if target == "new-bucket":
        name = rng.choice(["fz-a", "fz-b", "fz-c", "f", "fz_bad", "x" * 64])
        path, pairs = key_path(name, None), []
        if name not in world.extra_buckets and len(name) == 4:
            world.extra_buckets.append(name)
    else:
        key = rng.choice(world.keys) if target == "object" else None
        path = key_path(bucket, key)
        value = rng.choice([world.upload_id, "nope"]) if query == "uploadId" else ""
        pairs = [(query, value)]
    ns = rng.choice(['xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', "", 'xmlns="urn:other"'])
    doc = f"<{root} {ns}>{xml_inner(rng, root, world)}</{root}>".encode()
    if rng.random() < 0.7:
        doc = mutate_xml(rng, doc)
    headers: Headers = []
    if rng.random() < 0.8:
        md5 = hashlib.md5(doc).digest() if rng.random() < 0.9 else rng.randbytes(16)
        headers.append((b"content-md5", base64.b64encode(md5)))
    return signed_request(world, "xml", method, path, canonical_query(pairs), headers, doc)


def chunked_body(rng: random.Random, data: bytes, signer: Signer | None, amz_date: str, seed: str) -> tuple[bytes, bool]:  # fmt: skip
    """An aws-chunked body (signed chunks when ``signer``), then maybe one mutation.
    Returns (body, mutated)."""
    sizes = rng.choice([[len(data)], [8192, len(data) - 8192], [1] * min(len(data), 5)])
    pieces, at = [], 0
    for size in sizes:
        pieces.append(data[at : at + size])
        at += size
    if at < len(data):
        pieces.append(data[at:])
    pieces = [p for p in pieces if p] + [b""]
    out, previous = b"", seed
    for piece in pieces:
        ext = b""
        if signer is not None:
            previous = signer.chunk_signature(amz_date, previous, piece)
            ext = b";chunk-signature=" + previous.encode()
        out += f"{len(piece):x}".encode() + ext + b"\r\n" + piece + b"\r\n"
    if signer is None:
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big"))
        out = out[:-2] + b"x-amz-checksum-crc32:" + crc + b"\r\n\r\n"
    if rng.random() < 0.25:
        return out, False
    mutations: list[Callable[[bytes], bytes]] = [
        lambda b: b.replace(b"\r\n", b"\n", 1),
        lambda b: b.replace(
            f"{len(pieces[0]):x}".encode(),
            rng.choice(
                [b"zz", b"-1", b"ffffffffffffffff", b"FFFFFFFFFFFFFFFFF", b" 10", b"0x10", b""]
            ),
            1,
        ),  # fmt: skip
        lambda b: b[: rng.randrange(len(b) + 1)],
        lambda b: b + rng.randbytes(rng.choice([1, 10, 100])),
        lambda b: b.replace(b"chunk-signature=", b"chunk-signature=0", 1),
        lambda b: b.replace(b";chunk-signature=", b";", 1),
        lambda b: b.replace(
            b"x-amz-checksum-crc32:",
            rng.choice(
                [
                    b"x-amz-checksum-crc32",
                    b"x-amz-checksum-crc32:AAAA",
                    b"x-amz-checksum-bogus:",
                    b"\xff:",
                ]
            ),
            1,
        ),  # fmt: skip
        lambda b: b.replace(b"\r\n\r\n", b"\r\n" + b"x-amz-junk:" + b"j" * 20000 + b"\r\n\r\n", 1),
        lambda b: b.replace(b"0\r\n", b"0;ext=1\r\n", 1),
        lambda b: b[:4] + b"\r\n\r\n" + b[4:],
    ]
    return rng.choice(mutations)(out), True


def gen_chunked(rng: random.Random, world: World) -> Wire:
    """PUT / UploadPart with an aws-chunked body, unsigned-trailer or signed chunks."""
    data = rng.randbytes(rng.choice([0, 1, 9000, 20000]))
    signed_chunks = rng.random() < 0.5
    bucket = rng.choice([world.bucket, world.versioned])
    path = key_path(bucket, rng.choice(world.keys))
    pairs = [] if rng.random() < 0.8 else [("partNumber", "1"), ("uploadId", world.upload_id)]
    query = canonical_query(pairs)
    decoded = str(len(data)).encode() if rng.random() < 0.85 else number(rng)
    headers: Headers = [(b"host", world.host), (b"content-encoding", rng.choice([b"aws-chunked", b"aws-chunked", b"gzip,aws-chunked", b"identity"]))]  # fmt: skip
    if rng.random() < 0.95:
        headers.append((b"x-amz-decoded-content-length", decoded))
    if not signed_chunks:
        headers.append((b"x-amz-trailer", rng.choice([b"x-amz-checksum-crc32", b"x-amz-checksum-sha256", b"bogus"])))  # fmt: skip
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    mode = SIGNED_CHUNKS if signed_chunks else TRAILER
    signed, seed = world.signer.sign("PUT", path, query, headers, mode, amz_date=amz_date)
    body, _ = chunked_body(rng, data, world.signer if signed_chunks else None, amz_date, seed)
    return Wire("chunked", "PUT", path + (f"?{query}" if query else ""), signed, body)


def replace_header(headers: Headers, name: bytes, value: bytes | None) -> Headers:
    out = [(n, v) for n, v in headers if n.lower() != name]
    return out if value is None else [*out, (name, value)]


def auth_mutation(rng: random.Random, auth: bytes) -> bytes:
    fields = auth.split(b" ", 1)[1] if b" " in auth else b""
    options = [
        lambda: auth.replace(
            b"AWS4-HMAC-SHA256",
            rng.choice([b"AWS4-HMAC-SHA512", b"aws4-hmac-sha256", b"AWS4-ECDSA-P256-SHA256", b""]),
            1,
        ),  # fmt: skip
        lambda: auth.replace(b"Credential=", b"Credentials=", 1),
        lambda: auth.replace(b"SignedHeaders=", b"", 1),
        lambda: auth.split(b", Signature=")[0],
        lambda: auth + b", Signature=" + b"0" * 64,
        lambda: auth.replace(
            b"/aws4_request", rng.choice([b"/aws4_req", b"", b"/aws4_request/x", b"/\xff"]), 1
        ),  # fmt: skip
        lambda: auth.replace(
            b"/s3/", rng.choice([b"/iam/", b"/sts/", b"//", b"/S3/", b"/s3\xe9/"]), 1
        ),  # fmt: skip
        lambda: auth.replace(b"/us-east-1/", rng.choice([b"/eu-west-1/", b"//", b"/\xff/"]), 1),
        lambda: auth.replace(b"Credential=", b"Credential=" + junk(rng, 5), 1),
        lambda: auth.replace(b"Credential=", b"Credential=a/b/c/", 1),
        lambda: auth.replace(
            b"SignedHeaders=",
            b"SignedHeaders="
            + rng.choice([b"Host;", b";", b"nope;", b"x-amz-meta-absent;", b"\xff;"]),
            1,
        ),  # fmt: skip
        lambda: auth.replace(b"SignedHeaders=host;", b"SignedHeaders=", 1),
        lambda: auth[: rng.randrange(len(auth) + 1)],
        lambda: auth.replace(b",", b",,", 1).replace(b" ", b"  ", 2),
        lambda: b"AWS4-HMAC-SHA256 " + fields.replace(b", ", b","),
        lambda: rng.choice(
            [
                b"AWS ",
                b"AWS :",
                b"AWS a:b:c",
                b"AWS " + junk(rng, 10) + b":x",
                b"Bearer x",
                b"AWS4-HMAC-SHA256",
                junk(rng),
            ]
        ),  # fmt: skip
        lambda: auth[:-8] + rng.choice([b"zzzzzzzz", b"", b"ABCDEF01"]),
    ]
    return rng.choice(options)()


def gen_auth(rng: random.Random, world: World) -> Wire:
    """A correctly signed request, then one or two SigV4 (or SigV2) fields broken."""
    method, path, pairs, has_body = operation(rng, world)
    body = rng.randbytes(rng.choice([0, 10])) if has_body else b""
    if rng.random() < 0.3:
        return gen_presigned(rng, world, method, path, pairs, body)
    wire = signed_request(world, "auth", method, path, canonical_query(pairs), [], body)
    for _ in range(rng.choice([1, 1, 2])):
        what = rng.randrange(5)
        auth = next(v for n, v in wire.headers if n == b"authorization")
        if what <= 1:
            wire.headers = replace_header(wire.headers, b"authorization", auth_mutation(rng, auth))
        elif what == 2:
            value = rng.choice([None, b"garbage", b"20990101T000000Z", b"19700101T000000Z", b"Wed, 21 Oct 2015 07:28:00 GMT", junk(rng, 16)])  # fmt: skip
            wire.headers = replace_header(wire.headers, b"x-amz-date", value)
        elif what == 3:
            value = rng.choice([None, b"UNSIGNED-PAYLOAD", b"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", b"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", b"A" * 64, b"xyz", EMPTY_SHA256.upper().encode()])  # fmt: skip
            wire.headers = replace_header(wire.headers, b"x-amz-content-sha256", value)
        else:
            name = rng.choice([b"x-amz-copy-source", b"x-amz-tagging", b"x-amz-meta-sneaky", b"x-amz-acl"])  # fmt: skip
            wire.headers.append((name, b"/" + world.bucket.encode() + b"/x"))
    return wire


def gen_presigned(rng: random.Random, world: World, method: str, path: str, pairs: list[tuple[str, str]], body: bytes) -> Wire:  # fmt: skip
    """Query-string authentication (SigV4 or SigV2) with broken parameters."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    if rng.random() < 0.7:
        params = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"{world.signer.access_key}/{now[:8]}/us-east-1/s3/aws4_request",
            "X-Amz-Date": now,
            "X-Amz-Expires": "300",
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": "0" * 64,
        }
        name = rng.choice(sorted(params))
        params[name] = rng.choice(["", "-1", "604801", "abc", "1e9", "20990101T000000Z", "a/b", "\u00e9", "host;x-amz-date", "AWS4-HMAC-SHA1", now[:8] + "/x/y/z/w", "0" * 63])  # fmt: skip
        if rng.random() < 0.2:
            del params[rng.choice(sorted(params))]
    else:
        params = {"AWSAccessKeyId": rng.choice([world.signer.access_key, "nope", ""]), "Expires": rng.choice(["0", "9999999999", "x", "-1"]), "Signature": rng.choice(["", "abc=", "%%"])}  # fmt: skip
    pairs = pairs + list(params.items())
    if rng.random() < 0.1:
        pairs.append(("X-Amz-Date", now))  # a duplicated parameter
    headers: Headers = [(b"host", world.host)]
    if rng.random() < 0.2:
        headers.append((b"authorization", b"AWS a:b"))
    target = path + "?" + canonical_query(pairs)
    return Wire("presigned", method, target, headers, body)


FORM_VALUES = [b"x", b"", b"text/plain", b"a\r\nSet-Cookie: x=1", b"line\nbreak", b"\x00\x01", b"caf\xe9", b"${filename}", b"x" * 3000]  # fmt: skip


def gen_post_form(rng: random.Random, world: World) -> Wire:
    """A browser form upload (POST Object) signed by a SigV4 policy, with hostile fields:
    the fields become object metadata and response headers."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    credential = f"{world.signer.access_key}/{now[:8]}/us-east-1/s3/aws4_request"
    fields = {
        "key": rng.choice([b"form/${filename}", b"form/k", b"", b"a\r\nb"]),
        "x-amz-algorithm": b"AWS4-HMAC-SHA256",
        "x-amz-credential": credential.encode(),
        "x-amz-date": now.encode(),
    }
    extra = ["Content-Type", "x-amz-meta-a", "Cache-Control", "Content-Disposition", "success_action_redirect", "success_action_status", "tagging", "acl", "x-amz-storage-class"]  # fmt: skip
    for name in rng.sample(extra, rng.choice([0, 1, 2, 4])):
        fields[name] = rng.choice(FORM_VALUES)
    conditions: list[object] = [{"bucket": world.bucket}, ["starts-with", "$key", ""]]
    conditions += [{n: v.decode("utf-8", "replace")} for n, v in fields.items() if n != "key"]
    if rng.random() < 0.15:
        conditions.append(rng.choice([["content-length-range", 0, 1], ["eq", "$x", "y"], "junk", {"a": 1}]))  # fmt: skip
    policy = {"expiration": rng.choice(["2099-01-01T00:00:00.000Z", "2000-01-01T00:00:00.000Z", "x"]), "conditions": conditions}  # fmt: skip
    import json

    policy_b64 = base64.b64encode(json.dumps(policy).encode())
    if rng.random() < 0.1:
        policy_b64 = rng.choice([b"", b"!!!", base64.b64encode(b"{not json"), base64.b64encode(b"[]")])  # fmt: skip
    key = world.signer.key(now[:8])
    fields["policy"] = policy_b64
    import hmac

    fields["x-amz-signature"] = hmac.digest(key, policy_b64, "sha256").hex().encode()
    if rng.random() < 0.1:
        del fields[rng.choice(sorted(fields))]
    boundary = b"fuzzboundary" + str(rng.randrange(1000)).encode()
    body = b""
    for name, value in fields.items():
        body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value + b"\r\n"  # fmt: skip
    data = rng.randbytes(rng.choice([0, 10, 3000]))
    filename = rng.choice([b"f.nc", b"", b"..\\x", b"\xff.bin"])
    body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n--" + boundary + b"--\r\n"  # fmt: skip
    if rng.random() < 0.2:
        body = rng.choice([body[: rng.randrange(len(body) + 1)], body.replace(b"\r\n", b"\n", 3), body.replace(boundary, b"other", 1)])  # fmt: skip
    ctype = rng.choice([b"multipart/form-data; boundary=" + boundary] * 8 + [b"multipart/form-data", b"multipart/form-data; boundary=", b"multipart/mixed; boundary=" + boundary])  # fmt: skip
    headers = [(b"host", world.host), (b"content-type", ctype)]
    return Wire("form", "POST", key_path(world.bucket, None), headers, body)


GENERATORS: list[tuple[str, Callable[[random.Random, World], Wire], int]] = [
    ("headers", gen_headers, 30),
    ("xml", gen_xml, 22),
    ("chunked", gen_chunked, 18),
    ("auth", gen_auth, 18),
    ("form", gen_post_form, 12),
]


def generate(rng: random.Random, world: World) -> Wire:
    names = [g for _, g, _ in GENERATORS]
    weights = [w for _, _, w in GENERATORS]
    return rng.choices(names, weights)[0](rng, world)
