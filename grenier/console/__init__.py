"""Grenier's web console: browse, share and administer in a browser (docs/console.md).

A separate aiohttp application served by ``grenier server`` on its own address. It is an
S3/IAM client of the server, signing every request with the logged-in user's keys, so the
server's one authorization path decides what each user may do. Layers: ``console`` sits
beside ``cli`` and ``datasets`` on top of ``client``; the server only imports it to mount it.
"""

from __future__ import annotations

from grenier.console.app import build_app
from grenier.console.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "build_app"]
