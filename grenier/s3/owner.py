"""The canonical owner shown in listings and ACLs (single-account server)."""

from __future__ import annotations

from grenier.s3 import xml

OWNER_ID = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"


def owner_xml(name: str = "root") -> str:
    return "<Owner>" + xml.el("ID", OWNER_ID) + xml.el("DisplayName", name) + "</Owner>"
