"""Error rendering is total: whatever bytes a request carried, the error document (S3's
and IAM's) is built and is well-formed XML; response header values are always sendable."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grenier.adminapi import iam_xml
from grenier.s3 import xml
from grenier.s3.errors import S3Error
from grenier.s3.httputil import header_argument
from grenier.s3.responses import error_response

# What aiohttp hands over for undecodable bytes (surrogateescape), controls, XML's
# own syntax, characters XML 1.0 cannot carry, astral characters, a huge value.
HOSTILE = [
    "caf\udce9",
    "\udcff\udcfe",
    "AK\udc80ID",
    "a\x00b\x01c\x1f",
    "line\r\nbreak\rcr",
    "</Message><Code>Injected</Code>",
    "]]><![CDATA[x",
    "&amp; &lt; \"'",
    "\ufffe\uffff",
    "\U0001f600 ключ 日本",
    "x" * 100_000,
    "",
]


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


def parse(body: bytes) -> ET.Element:
    return ET.fromstring(body)


@pytest.mark.parametrize("value", HOSTILE)
def test_error_doc_is_well_formed_for_any_value(value: str) -> None:
    body = xml.error_doc(
        "SignatureDoesNotMatch",
        value,
        "/b/" + value,
        "RID",
        {"StringToSign": value, "AWSAccessKeyId": value, "CanonicalRequest": value},
    )
    root = parse(body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "SignatureDoesNotMatch"
    assert root.findtext("RequestId") == "RID"
    assert [c.tag for c in root].count("Code") == 1  # nothing injected
    text = root.findtext("StringToSign") or ""
    if value and xml.clean(value) == value:
        assert text == value  # printable values (CR included) come back exactly


def test_error_doc_replaces_what_xml_cannot_carry() -> None:
    root = parse(xml.error_doc("AccessDenied", "m", "", "r", {"AWSAccessKeyId": "A\udce9\x01"}))
    assert root.findtext("AWSAccessKeyId") == "A\ufffd\ufffd"


def test_error_doc_takes_non_text_values_and_skips_bad_element_names() -> None:
    body = xml.error_doc("InternalError", "m", "", "r", {"A": Unprintable(), "B": 7, "<x>": "v"})
    root = parse(body)
    assert (root.findtext("A"), root.findtext("B")) == ("?", "7")
    assert root.find("x") is None and b"<x>" not in body


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_error_response_never_fails(value: str, method: str) -> None:
    err = S3Error(
        "SignatureDoesNotMatch",
        message=value,
        extra={"StringToSign": value},
        headers={"x-amz-version-id": value},
    )
    resp = error_response(err, method, "/b/" + value, "RID")
    assert resp.status == 403
    header = resp.headers["x-amz-version-id"]
    assert header.isascii() and header.isprintable()
    if method == "GET":
        assert resp.body is not None
        assert parse(bytes(resp.body)).findtext("Code") == "SignatureDoesNotMatch"  # type: ignore[arg-type]


@pytest.mark.parametrize("value", HOSTILE)
def test_iam_error_document_is_well_formed(value: str) -> None:
    root = parse(iam_xml.error("InvalidClientTokenId", value, "RID"))
    assert root.findtext(f"{{{iam_xml.NAMESPACE}}}RequestId") == "RID"


def test_esc_keeps_carriage_returns() -> None:
    """A key holding CR survives a listing: raw CR would be read back as LF."""
    doc = xml.doc("R", [xml.el("Key", "a\r\nb\rc")])
    assert parse(doc).findtext(f"{{{xml.NS}}}Key") == "a\r\nb\rc"


@pytest.mark.parametrize("value", ["text/plain\r\nSet-Cookie: x=1", "a\nb", "a\x00", "\x7f"])
def test_response_header_overrides_refuse_control_characters(value: str) -> None:
    with pytest.raises(S3Error) as err:
        header_argument("response-content-type", value)
    assert (err.value.code, err.value.extra["ArgumentName"]) == (
        "InvalidArgument",
        "response-content-type",
    )


def test_response_header_overrides_keep_ordinary_values() -> None:
    value = 'attachment; filename="été.nc";\tsize=3'
    assert header_argument("response-content-disposition", value) == value
