"""XML in and out, in the shapes of the AWS S3 API reference.

Responses are built as strings from small helpers (fast for 1,000-key listings);
request bodies are parsed with ElementTree, namespace-agnostic, and any parse
failure is MalformedXML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

from grenier.s3.errors import S3Error

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_BODY = 2 * 1024 * 1024


# What XML 1.0 cannot carry at all, not even as a character reference: C0 controls but
# tab, LF and CR; lone surrogates (undecodable request bytes, kept by surrogateescape);
# U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENTITIES = {'"': "&quot;", "\r": "&#13;"}  # a raw CR would be read back as LF


def esc(value: object) -> str:
    text = str(value)
    if (
        "&" not in text
        and "<" not in text
        and ">" not in text
        and '"' not in text
        and "\r" not in text
    ):
        return text
    return escape(text, _ENTITIES)


def clean(value: object) -> str:
    """Any value as text that XML 1.0 can carry: whatever it cannot is replaced by
    U+FFFD. Never raises (error documents echo hostile request bytes back)."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - a value whose __str__ fails is still rendered
        text = "?"
    return _NOT_XML.sub("\ufffd", text)


def el(name: str, value: object) -> str:
    return f"<{name}>{esc(value)}</{name}>"


def opt(name: str, value: object | None) -> str:
    return "" if value is None or value == "" else el(name, value)


def doc(root: str, parts: Iterable[str], *, ns: bool = True) -> bytes:
    attr = f' xmlns="{NS}"' if ns else ""
    return (HEADER + f"<{root}{attr}>" + "".join(parts) + f"</{root}>").encode()


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")  # an element name that needs no escaping


def error_doc(
    code: str, message: str, resource: str, request_id: str, extra: Mapping[str, object]
) -> bytes:
    """The ``<Error>`` document. Total: every value is cleaned and escaped, whatever
    bytes the request carried (a bad signature echoes the client's StringToSign)."""
    fields: list[tuple[str, object]] = [("Code", code), ("Message", message)]
    fields += [(name, value) for name, value in extra.items() if _NAME.fullmatch(str(name))]
    if resource:
        fields.append(("Resource", resource))
    fields += [("RequestId", request_id), ("HostId", request_id)]
    parts = [f"<{name}>{esc(clean(value))}</{name}>" for name, value in fields]
    return (HEADER + "<Error>" + "".join(parts) + "</Error>").encode("utf-8", "replace")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, root: str | None = None) -> ET.Element:
    if not body.strip():
        raise S3Error("MalformedXML")
    try:
        element = ET.fromstring(body)
    except (ET.ParseError, LookupError, ValueError) as exc:
        # LookupError: an encoding declaration Python does not know ("x-unknown").
        raise S3Error("MalformedXML") from exc
    if root is not None and local(element.tag) != root:
        raise S3Error("MalformedXML")
    return element


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if local(c.tag) == name]


def child(element: ET.Element, name: str) -> ET.Element | None:
    for c in element:
        if local(c.tag) == name:
            return c
    return None


def text(element: ET.Element, name: str, default: str | None = None) -> str | None:
    found = child(element, name)
    if found is None:
        return default
    return found.text or ""
