"""Bad input gets the precise S3 error in XML: unknown XML encodings, undecodable bytes in
signed headers and access keys, control characters in response overrides; and keys
holding CR/LF are keys like any other."""

from __future__ import annotations

import hashlib
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from botocore.exceptions import ClientError

from tests.rawsig import Signer
from tests.s3.helpers import content_md5, key_path, parse_xml, raw_request, unique
from tests.servers import GrenierServer

UNKNOWN = b'<?xml version="1.0" encoding="x-unknown"?>\n'
MULTIBYTE = b'<?xml version="1.0" encoding="shift_jis"?>\n'

# (operation, method, target under the bucket, query, root element of its body)
XML_OPERATIONS = [
    ("PutBucketVersioning", "PUT", "", "versioning", "VersioningConfiguration"),
    ("PutBucketAcl", "PUT", "", "acl", "AccessControlPolicy"),
    ("PutObjectAcl", "PUT", "obj", "acl", "AccessControlPolicy"),
    ("PutBucketOwnershipControls", "PUT", "", "ownershipControls", "OwnershipControls"),
    ("PutBucketLifecycleConfiguration", "PUT", "", "lifecycle", "LifecycleConfiguration"),
    ("DeleteObjects", "POST", "", "delete", "Delete"),
    ("PutBucketCors", "PUT", "", "cors", "CORSConfiguration"),
    ("PutBucketTagging", "PUT", "", "tagging", "Tagging"),
    ("PutObjectTagging", "PUT", "obj", "tagging", "Tagging"),
    ("CompleteMultipartUpload", "POST", "obj", "uploadId", "CompleteMultipartUpload"),
]


@pytest.mark.parametrize("declaration", [UNKNOWN, MULTIBYTE], ids=["unknown", "multibyte"])
@pytest.mark.parametrize(
    ("operation", "method", "key", "query", "root"),
    XML_OPERATIONS,
    ids=[o[0] for o in XML_OPERATIONS],
)
def test_xml_with_an_unusable_encoding_is_malformed_xml(grenier: GrenierServer, s3: Any, bucket: str, operation: str, method: str, key: str, query: str, root: str, declaration: bytes) -> None:  # fmt: skip
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x")
    value = ""
    if query == "uploadId":
        value = s3.create_multipart_upload(Bucket=bucket, Key="obj")["UploadId"]
    body = declaration + f"<{root}></{root}>".encode()
    resp = raw_request(
        grenier,
        method,
        key_path(bucket, key),
        query=f"{query}={value}" if value else query,
        headers={"Content-MD5": content_md5(body)},
        body=body,
    )
    assert (resp.status, resp.error_code()) == (400, "MalformedXML"), (operation, resp.body)


def test_create_bucket_with_an_unknown_encoding_is_malformed_xml(grenier: GrenierServer) -> None:
    name = unique("enc")
    body = UNKNOWN + b"<CreateBucketConfiguration></CreateBucketConfiguration>"
    resp = raw_request(grenier, "PUT", key_path(name), body=body)
    assert (resp.status, resp.error_code()) == (400, "MalformedXML")
    assert raw_request(grenier, "HEAD", key_path(name)).status == 404


# --- undecodable bytes in what the signature covers ------------------------------------


def raw_exchange(grenier: GrenierServer, head: bytes) -> tuple[int, bytes]:
    """Send a hand-made request head; return (status, body). The server must answer."""
    parts = urlsplit(grenier.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            header, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in header.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                if len(rest) >= length:
                    break
    assert data, "connection dropped without an answer"
    header, _, body = data.partition(b"\r\n\r\n")
    return int(header.split(b" ", 2)[1]), body


def sigv4_head(grenier: GrenierServer, path: str, access_key: bytes, extra: bytes) -> bytes:
    host = urlsplit(grenier.endpoint).netloc.encode()
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()).encode()
    return (
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n"
        b"x-amz-date: " + now + b"\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n" + extra +
        b"Authorization: AWS4-HMAC-SHA256 Credential=" + access_key + b"/" + now[:8] +
        b"/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date"
        + (b";x-amz-meta-x" if extra else b"") + b", Signature=" + b"0" * 64 + b"\r\n"
        b"Connection: close\r\n\r\n"
    )  # fmt: skip


def test_undecodable_signed_header_with_a_bad_signature(grenier: GrenierServer, bucket: str) -> None:  # fmt: skip
    extra = b"x-amz-meta-x: caf\xe9 \xff\xfe\r\n"
    head = sigv4_head(grenier, key_path(bucket, "k"), grenier.access_key.encode(), extra)
    status, body = raw_exchange(grenier, head)
    root = parse_xml(body)
    assert (status, root.findtext("Code")) == (403, "SignatureDoesNotMatch")
    assert "x-amz-meta-x:caf" in (root.findtext("CanonicalRequest") or "")


@pytest.mark.parametrize("access_key", [b"\xff\xfe\xfd", b"AK\xc3ID", b"\xe9t\xe9"])
def test_undecodable_access_key(grenier: GrenierServer, bucket: str, access_key: bytes) -> None:
    status, body = raw_exchange(
        grenier, sigv4_head(grenier, key_path(bucket, "k"), access_key, b"")
    )
    assert (status, parse_xml(body).findtext("Code")) == (403, "InvalidAccessKeyId")
    host = urlsplit(grenier.endpoint).netloc.encode()
    v2 = (
        b"GET " + key_path(bucket, "k").encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n"
        b"Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()).encode() + b"\r\n"
        b"Authorization: AWS " + access_key + b":c2lnbmF0dXJl\r\nConnection: close\r\n\r\n"
    )  # fmt: skip
    status, body = raw_exchange(grenier, v2)
    assert (status, parse_xml(body).findtext("Code")) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize(
    "header",
    [
        b"x-amz-meta-city: Montr\xe9al",
        b"x-amz-tagging: k=\xff",
        b"content-type: text/\xfe",
        b"content-disposition: attachment; filename=\xe9.nc",
        b"x-amz-website-redirect-location: /\xe9",
        b"x-amz-copy-source: /src/\xff",
    ],
)
def test_undecodable_bytes_in_a_stored_header_are_invalid_argument(grenier: GrenierServer, s3: Any, bucket: str, header: bytes) -> None:  # fmt: skip
    """Signed correctly, but not text: refused before anything is stored (they used to
    be stored and then fail every GET, or fail the PUT with a 500)."""
    name, _, value = header.partition(b": ")
    signer = Signer(grenier.access_key, grenier.secret_key)
    host = urlsplit(grenier.endpoint).netloc.encode()
    path = key_path(bucket, "k")
    body = b"data"
    headers, _ = signer.sign(
        "PUT", path, "", [(b"host", host), (name, value)], hashlib.sha256(body).hexdigest()
    )
    head = f"PUT {path} HTTP/1.1\r\n".encode()
    head += b"".join(n + b": " + v + b"\r\n" for n, v in headers)
    head += b"Content-Length: 4\r\nConnection: close\r\n\r\n" + body
    status, answer = raw_exchange(grenier, head)
    root = parse_xml(answer)
    assert (status, root.findtext("Code")) == (400, "InvalidArgument"), answer
    assert root.findtext("ArgumentName") == name.decode()
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"city": "Montreal"})
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"city": "Montreal"}


# --- response header overrides ---------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("ResponseContentType", "text/plain\r\nSet-Cookie: a=b"),
        ("ResponseContentDisposition", "attachment\r\n\r\n<html>"),
        ("ResponseContentDisposition", "inline\nx"),
        ("ResponseCacheControl", "no-cache\x00"),
        ("ResponseContentEncoding", "gzip\x1b[31m"),
    ],
)
def test_control_characters_in_response_overrides_are_invalid_argument(s3: Any, bucket: str, param: str, value: str) -> None:  # fmt: skip
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="k", **{param: value})
    response = err.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidArgument",
        400,
    )
    got = s3.get_object(Bucket=bucket, Key="k", ResponseContentType="text/x-ok; charset=utf-8")
    assert (got["ContentType"], got["Body"].read()) == ("text/x-ok; charset=utf-8", b"body")


# --- keys with line breaks ---------------------------------------------------------------

NEWLINE_KEYS = ["a\r\nb", "line\nbreak", "cr\r", "\n", "dir\r\n/x\ty"]


@pytest.mark.parametrize("key", NEWLINE_KEYS)
def test_keys_with_line_breaks_are_ordinary_keys(grenier: GrenierServer, s3: Any, bucket: str, key: str) -> None:  # fmt: skip
    body = key.encode() * 3
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == [key]
    s3.copy_object(Bucket=bucket, Key=key + "copy", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key=key + "copy")["Body"].read() == body
    # Without EncodingType=url the key comes back in XML as is (CR escaped, not lost).
    listing = raw_request(grenier, "GET", key_path(bucket), query="list-type=2")
    assert [k.text for k in listing.xml().iter("Key")] == [key, key + "copy"]
    missing = raw_request(grenier, "GET", key_path(bucket, key + "missing"))
    assert (missing.status, missing.error_code()) == (404, "NoSuchKey")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}, {"Key": key + "copy"}]})
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_multipart_upload_of_a_key_with_a_line_break(s3: Any, bucket: str) -> None:
    key = "multi\r\npart"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"p" * 10)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"p" * 10


# --- POST Object forms: fields are free text, unlike headers ----------------------------


def presigned_post(grenier: GrenierServer, bucket: str, key: str, fields: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    client: Any = grenier.client(signature_version="s3v4")
    conditions: list[Any] = [{name: value} for name, value in fields.items()]
    return dict(client.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions))


@pytest.mark.parametrize(
    "field",
    [
        "Content-Type",
        "Cache-Control",
        "Content-Disposition",
        "x-amz-meta-note",
        "success_action_redirect",
    ],  # fmt: skip
)
def test_form_fields_with_line_breaks_are_invalid_argument(grenier: GrenierServer, s3: Any, bucket: str, field: str) -> None:  # fmt: skip
    """They would become response headers (of this POST or of every later GET): the
    connection used to be dropped, after the object was stored."""
    presigned = presigned_post(grenier, bucket, "form/k", {field: "a\r\nSet-Cookie: x=1"})
    resp = requests.post(
        presigned["url"], data=presigned["fields"], files={"file": ("f", b"data")}, timeout=30
    )
    root = parse_xml(resp.content)
    assert (resp.status_code, root.findtext("Code")) == (400, "InvalidArgument")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_form_filename_that_is_not_utf8_is_refused(grenier: GrenierServer, s3: Any, bucket: str) -> None:  # fmt: skip
    """``${filename}`` with undecodable bytes used to store a key that then broke every
    listing of the bucket with a 500."""
    presigned = presigned_post(grenier, bucket, "up/${filename}", {})
    request = requests.Request(
        "POST", presigned["url"], data=presigned["fields"], files={"file": ("NAME", b"data")}
    ).prepare()
    assert isinstance(request.body, bytes)
    request.body = request.body.replace(b'filename="NAME"', b'filename="caf\xe9.nc"')
    request.headers["Content-Length"] = str(len(request.body))
    resp = requests.Session().send(request, timeout=30)
    assert (resp.status_code, parse_xml(resp.content).findtext("Code")) == (400, "InvalidArgument")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


FIELD = b'Content-Disposition: form-data; name="key"\r\n\r\nk'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b"--x\r\n"),
        ("multipart/form-data; boundary=abc", b"no boundary here"),
        ("multipart/form-data; boundary=abc", b"--abc\r\n" + FIELD),
        ("multipart/form-data; boundary=abc", b"--abc\r\n" + FIELD + b"\r\n--abc\r\nContent-Dis"),
    ],
)
def test_broken_form_framing_is_malformed_post_request(grenier: GrenierServer, bucket: str, content_type: str, body: bytes) -> None:  # fmt: skip
    resp = requests.post(
        f"{grenier.endpoint}/{bucket}",
        data=body,
        headers={"Content-Type": content_type},
        timeout=30,
    )
    root = parse_xml(resp.content)
    assert (resp.status_code, root.findtext("Code")) == (400, "MalformedPOSTRequest")
