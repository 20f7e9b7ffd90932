"""Archive buckets through Grenier's admin JSON API: catalogue status and rescans.

The server side is ``grenier.server.archives`` (``/grenier/admin/v1/archive`` and
``/grenier/admin/v1/archive/rescan``).
"""

from __future__ import annotations

import time
from typing import Any

from grenier.client.admin_api import AdminApi
from grenier.client.config import Alias
from grenier.client.errors import ClientError

POLL = 0.2


def archives(alias: Alias | str, name: str | None = None) -> list[dict[str, Any]]:
    """The status of every archive bucket (or of ``name``)."""
    doc = AdminApi(alias).call("GET", "archive", {"name": name} if name else None)
    return list(doc.get("archives", []))


def rescan(alias: Alias | str, name: str, wait: float | None = None) -> dict[str, Any]:
    """Start a rescan of archive ``name``; with ``wait``, poll until it is over (at most
    ``wait`` seconds) and return the final status."""
    doc = AdminApi(alias).call("POST", "archive/rescan", {"name": name})
    if wait is None:
        return doc
    asked = doc["requested"]
    deadline = time.monotonic() + wait
    while True:
        current = archives(alias, name)[0]
        started, finished = current["started"], current["finished"]
        if (
            started is not None
            and started >= asked
            and finished is not None
            and finished >= started
        ):
            return current
        if time.monotonic() > deadline:
            raise ClientError(
                f"{name}: the rescan is still running after {wait:.0f}s", code="Timeout"
            )
        time.sleep(POLL)
