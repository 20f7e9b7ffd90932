"""Seeded generators of hostile S3 requests: headers, XML bodies, aws-chunked framing,
SigV4/SigV2 fields and POST forms. Every request is valid HTTP/1.1 (the server's HTTP
parser answers broken HTTP itself); what it says is not. Each generator returns a
:class:`~tests.fault.fuzzwire.Wire` request; :func:`generate` picks one by weight.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from tests.fault.fuzzbodies import gen_chunked, gen_post_form, gen_xml
from tests.fault.fuzzwire import (
    UNSIGNED,
    Wire,
    World,
    canonical_query,
    extra_headers,
    junk,
    operation,
    signed_request,
)
from tests.rawsig import EMPTY_SHA256, Headers

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
