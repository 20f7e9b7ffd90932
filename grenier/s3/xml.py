"""XML in and out, in the shapes of the AWS S3 API reference.

Responses are built as strings from small helpers (fast for 1,000-key listings);
request bodies are parsed with ElementTree, namespace-agnostic, and any parse
failure is MalformedXML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.sax.saxutils import escape

from grenier.s3.errors import S3Error

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_BODY = 2 * 1024 * 1024


def esc(value: object) -> str:
    text = str(value)
    if "&" not in text and "<" not in text and ">" not in text and '"' not in text:
        return text
    return escape(text, {'"': "&quot;"})


def el(name: str, value: object) -> str:
    return f"<{name}>{esc(value)}</{name}>"


def opt(name: str, value: object | None) -> str:
    return "" if value is None or value == "" else el(name, value)


def doc(root: str, parts: Iterable[str], *, ns: bool = True) -> bytes:
    attr = f' xmlns="{NS}"' if ns else ""
    return (HEADER + f"<{root}{attr}>" + "".join(parts) + f"</{root}>").encode()


def error_doc(
    code: str, message: str, resource: str, request_id: str, extra: dict[str, str]
) -> bytes:
    parts = [el("Code", code), el("Message", message)]
    parts += [el(k, v) for k, v in extra.items()]
    if resource:
        parts.append(el("Resource", resource))
    parts.append(el("RequestId", request_id))
    parts.append(el("HostId", request_id))
    return (HEADER + "<Error>" + "".join(parts) + "</Error>").encode()


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, root: str | None = None) -> ET.Element:
    if not body.strip():
        raise S3Error("MalformedXML")
    try:
        element = ET.fromstring(body)
    except ET.ParseError as exc:
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
