"""Hostile request bodies: XML documents for every XML operation, aws-chunked framing
(unsigned with a trailer, or with chunk signatures), and POST Object forms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
import zlib
from collections.abc import Callable

from tests.fault.fuzzwire import (
    SIGNED_CHUNKS,
    TRAILER,
    Wire,
    World,
    canonical_query,
    key_path,
    number,
    signed_request,
)
from tests.rawsig import Headers, Signer

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
    policy_b64 = base64.b64encode(json.dumps(policy).encode())
    if rng.random() < 0.1:
        policy_b64 = rng.choice([b"", b"!!!", base64.b64encode(b"{not json"), base64.b64encode(b"[]")])  # fmt: skip
    key = world.signer.key(now[:8])
    fields["policy"] = policy_b64
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
