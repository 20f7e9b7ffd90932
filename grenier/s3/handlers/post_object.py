"""POST Object: a browser form upload signed by a policy document.

The form's fields arrive before its file. They are read first; the policy's signature
(SigV4 ``x-amz-signature`` or SigV2 ``signature``) is verified with the signer's secret,
the policy's expiration and conditions are checked against the fields, and the signer
is authorized for PutObject on the key, all before a byte of the file is stored. The
file then streams into the engine (inline or a temp file, as PutObject), within the
policy's ``content-length-range``, and commits like a PUT (quota included).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict

from grenier.engine import Body, ObjectVersion
from grenier.s3 import objectmeta, writechecks, xml
from grenier.s3.acls import RequestedAcl, check_canned
from grenier.s3.auth import AuthContext, BodyChecksums
from grenier.s3.auth import canonical as c
from grenier.s3.auth.sigv2 import signature_v2
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.handlers.put import check_key, checksum_headers, version_headers
from grenier.s3.handlers.tagging import parse_tagging
from grenier.s3.httputil import header_argument, quote_etag
from grenier.s3.responses import empty, xml_response

MAX_FIELDS = 1024 * 1024  # all form fields together
MAX_SIZE = 5 * 1024**3
CHUNK = 1 << 20
# Fields a policy need not mention (AWS: signature, file, policy, x-ignore-*).
UNCHECKED = {"policy", "signature", "x-amz-signature", "awsaccesskeyid", "file"}
MALFORMED = "The body of your POST request is not well-formed multipart/form-data."


def denied(message: str) -> S3Error:
    return S3Error("AccessDenied", message=f"Invalid according to Policy: {message}")


@dataclass
class Form:
    fields: CIMultiDict[str] = field(default_factory=CIMultiDict)
    file: BodyPartReader | None = None
    filename: str = ""

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


@contextmanager
def form_framing() -> Iterator[None]:
    """aiohttp's multipart reader raises ValueError or HttpProcessingError on broken
    framing (no boundary, a part cut short, a bad part header): that is the client's
    malformed form, not an internal error."""
    try:
        yield
    except (ValueError, HttpProcessingError) as exc:
        raise S3Error("MalformedPOSTRequest", message=f"{MALFORMED} ({exc})") from exc


async def read_form(req: S3Request) -> Form:
    form = Form()
    total = 0
    with form_framing():
        reader = MultipartReader(req.headers, req.http.content)
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or not part.name:
                raise S3Error("MalformedPOSTRequest")
            if part.name.lower() == "file":
                form.file = part
                form.filename = part.filename or ""
                return form  # AWS ignores every field after the file
            total += len(part.name)
            value = bytearray()
            while chunk := await part.read_chunk(CHUNK):  # bounded, never decompressed
                total += len(chunk)
                if total > MAX_FIELDS:
                    raise S3Error("MaxMessageLengthExceeded")
                value += chunk
            form.fields.add(part.name, value.decode("utf-8", "replace"))
    return form


def verify_signature(req: S3Request, form: Form, policy_b64: str) -> AuthContext:
    """Who signed the policy (InvalidAccessKeyId / SignatureDoesNotMatch otherwise)."""
    if form.get("x-amz-signature") is not None:
        algorithm = form.get("x-amz-algorithm")
        if algorithm != c.ALGORITHM:
            raise S3Error(
                "InvalidArgument",
                message="Only AWS4-HMAC-SHA256 is supported for POST SigV4",
                extra={"ArgumentName": "x-amz-algorithm", "ArgumentValue": algorithm or ""},
            )
        cred = (form.get("x-amz-credential") or "").split("/")
        if len(cred) != 5 or cred[4] != "aws4_request" or cred[3] != "s3":
            raise S3Error("InvalidArgument", message="Invalid x-amz-credential in POST form")
        access_key, date, region = cred[0], cred[1], cred[2]
        if region != req.service.settings.region:
            raise S3Error("AuthorizationHeaderMalformed", extra={"Region": region})
        if not (form.get("x-amz-date") or "").startswith(date):
            raise S3Error("InvalidArgument", message="x-amz-date does not match the credential")
        secret = _secret(req, access_key)
        expected = c.sign(c.signing_key(secret, date, region, "s3"), policy_b64)
        if not c.same(expected, form.get("x-amz-signature") or ""):
            raise S3Error("SignatureDoesNotMatch")
        return AuthContext(access_key=access_key, scheme="sigv4", payload="none", region=region)
    v2_key = form.get("AWSAccessKeyId")
    if v2_key is None or form.get("signature") is None:
        raise S3Error(
            "InvalidArgument",
            message="Bucket POST must contain a field named 'AWSAccessKeyId' or "
            "'X-Amz-Credential'.",
        )
    secret = _secret(req, v2_key)
    if not c.same(signature_v2(secret, policy_b64), form.get("signature") or ""):
        raise S3Error("SignatureDoesNotMatch")
    return AuthContext(access_key=v2_key, scheme="sigv2", payload="none")


def _secret(req: S3Request, access_key: str) -> str:
    secret = req.service.secret_for(access_key)
    if secret is None:
        raise S3Error("InvalidAccessKeyId", extra={"AWSAccessKeyId": access_key})
    return secret


def decode_policy(policy_b64: str) -> dict[str, Any]:
    try:
        doc = json.loads(base64.b64decode(policy_b64, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise S3Error("InvalidPolicyDocument") from exc
    if not isinstance(doc, dict) or "expiration" not in doc:
        raise S3Error("InvalidPolicyDocument", message="Invalid Policy: Policy missing expiration.")
    if not isinstance(doc.get("conditions", []), list):
        raise S3Error("InvalidPolicyDocument", message="Invalid Policy: Invalid 'conditions'.")
    return doc


def check_expiration(doc: dict[str, Any]) -> None:
    try:
        when = datetime.fromisoformat(str(doc["expiration"]).replace("Z", "+00:00"))
    except ValueError as exc:
        raise S3Error(
            "InvalidPolicyDocument", message="Invalid Policy: Invalid 'expiration' value."
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when <= datetime.now(UTC):
        raise denied("Policy expired.")


@dataclass
class Checked:
    length_range: tuple[int, int] | None = None
    covered: set[str] = field(default_factory=set)


def _value(name: str, values: dict[str, str]) -> str:
    return values.get(name.lstrip("$").lower(), "")


def check_conditions(doc: dict[str, Any], values: dict[str, str]) -> Checked:
    """``values``: lower-cased field name -> value (plus ``bucket``, and ``key`` with
    ${filename} substituted)."""
    out = Checked()
    for cond in doc.get("conditions", []):
        if isinstance(cond, dict):
            if len(cond) != 1:
                raise S3Error("InvalidPolicyDocument", message="Invalid Policy: Invalid condition.")
            ((name, expected),) = cond.items()
            cond = ["eq", "$" + name, expected]
        if not isinstance(cond, list) or len(cond) != 3:
            raise S3Error("InvalidPolicyDocument", message="Invalid Policy: Invalid condition.")
        op = str(cond[0]).lower()
        if op == "content-length-range":
            try:
                out.length_range = (int(cond[1]), int(cond[2]))
            except (TypeError, ValueError) as exc:
                raise S3Error("InvalidPolicyDocument") from exc
            continue
        name = str(cond[1]).lstrip("$").lower()
        actual = _value(name, values)
        ok = actual == str(cond[2]) if op == "eq" else actual.startswith(str(cond[2]))
        if op not in ("eq", "starts-with"):
            raise S3Error("InvalidPolicyDocument", message=f"Invalid Policy: unknown op {op}.")
        if name == "content-type" and op == "starts-with" and "," in actual:
            ok = all(v.strip().startswith(str(cond[2])) for v in actual.split(","))
        if not ok:
            raise denied(f"Policy Condition failed: {json.dumps(cond)}")
        out.covered.add(name)
    extra = [
        n
        for n in values
        if n not in out.covered
        and n not in UNCHECKED
        and n != "bucket"
        and not n.startswith("x-ignore-")
    ]
    if extra:
        raise denied(f"Extra input fields: {', '.join(sorted(extra))}")
    return out


async def authenticate_form(req: S3Request, form: Form, key: str) -> Checked:
    policy_b64 = form.get("policy")
    values = {k.lower(): v for k, v in form.fields.items()}
    values["bucket"] = req.require_bucket()
    values["key"] = key
    if policy_b64 is None:
        if form.get("x-amz-signature") or form.get("signature"):
            raise S3Error("InvalidArgument", message="Bucket POST must contain a policy.")
        return Checked()  # anonymous: allowed only if a bucket policy says so
    req.auth = verify_signature(req, form, policy_b64)
    if req.service.principal_for is not None:
        req.principal = req.service.principal_for(req.auth.access_key)
    doc = decode_policy(policy_b64)
    check_expiration(doc)
    return check_conditions(doc, values)


async def _read_chunk(part: BodyPartReader) -> bytes:
    with form_framing():
        return await part.read_chunk(CHUNK)


def file_body(part: BodyPartReader, low: int, high: int) -> Body:
    """The file part as an engine body, within the policy's content-length-range."""
    checks = BodyChecksums.from_request({}, default_algorithm="CRC64NVME")
    received = 0

    async def pieces() -> AsyncIterator[bytes]:
        nonlocal received
        while chunk := await _read_chunk(part):
            received += len(chunk)
            if received > high:
                raise S3Error(
                    "EntityTooLarge",
                    message="Your proposed upload exceeds the maximum allowed size",
                    extra={"ProposedSize": str(received), "MaxSizeAllowed": str(high)},
                )
            yield chunk

    def verify() -> dict[str, str]:
        if received < low:
            raise S3Error(
                "EntityTooSmall",
                message="Your proposed upload is smaller than the minimum allowed size",
                extra={"ProposedSize": str(received), "MinSizeAllowed": str(low)},
            )
        return checks.verify({})

    return Body(pieces=pieces(), hasher=checks, verify=verify, limit=high)


async def object_meta(req: S3Request, form: Form) -> tuple[dict[str, Any], dict[str, str]]:
    """Metadata, tags (and a valid redirect), checked before the file is stored: form
    fields, unlike headers, may hold CR/LF, which could never be sent back."""
    redirect = form.get("success_action_redirect") or form.get("redirect")
    if redirect:
        header_argument("success_action_redirect", redirect)
    headers = CIMultiDict((k, v) for k, v in form.fields.items())
    meta = objectmeta.from_headers(headers)
    acl = form.get("acl")
    requested = RequestedAcl(canned=check_canned(acl)) if acl is not None else None
    bucket = req.engine.get_bucket(req.require_bucket())
    meta.update(await writechecks.object_acl(req, bucket, requested, in_form=True))
    tagging = form.get("tagging")
    tags = parse_tagging(tagging.encode(), objectmeta.MAX_TAGS, "Object") if tagging else {}
    return meta, tags


def respond(req: S3Request, form: Form, obj: ObjectVersion, versioning: str) -> web.Response:
    bucket, key = obj.bucket, obj.key
    location = f"{req.http.scheme}://{req.http.host}/{quote(bucket)}/{quote(key)}"
    headers = {"ETag": quote_etag(obj.etag), "Location": location}
    headers.update(version_headers(req, obj.version_id, versioning))
    headers.update(checksum_headers(obj.checksums))
    redirect = form.get("success_action_redirect") or form.get("redirect")
    if redirect:
        query = urlencode({"bucket": bucket, "key": key, "etag": quote_etag(obj.etag)})
        headers["Location"] = redirect + ("&" if "?" in redirect else "?") + query
        return empty(303, headers)
    status = form.get("success_action_status")
    if status == "201":
        body = xml.doc(
            "PostResponse",
            [
                xml.el("Location", location),
                xml.el("Bucket", bucket),
                xml.el("Key", key),
                xml.el("ETag", quote_etag(obj.etag)),
            ],
            ns=False,
        )
        return xml_response(body, status=201, headers=headers)
    return empty(200 if status == "200" else 204, headers)


@handles("PostObject")
async def post_object(req: S3Request) -> web.StreamResponse:
    bucket = req.require_bucket()
    form = await read_form(req)
    raw_key = form.get("key")
    if raw_key is None:
        raise S3Error(
            "InvalidArgument",
            message="Bucket POST must contain a field named 'key'.  If it is specified, "
            "please check the order of the fields.",
            extra={"ArgumentName": "key", "ArgumentValue": ""},
        )
    if form.file is None:
        raise S3Error("IncorrectNumberOfFilesInPostRequest")
    key = raw_key.replace("${filename}", form.filename)
    if not key:
        raise S3Error("InvalidArgument", message="User key must have a length greater than 0.")
    check_key(key)
    checked = await authenticate_form(req, form, key)
    req.operation, req.key = "PutObject", key
    req.service.authorize(req)
    state = req.engine.get_bucket(bucket)
    meta, tags = await object_meta(req, form)
    low, high = checked.length_range or (0, MAX_SIZE)
    body = file_body(form.file, low, min(high, MAX_SIZE))
    obj = await req.engine.put_object(bucket, key, body, meta=meta, tags=tags)
    return respond(req, form, obj, state.versioning)
