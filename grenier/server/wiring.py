"""Plugging the optional layers (IAM and policies, admin APIs, bucket features) into
the S3 service. Each installer is ``install(service, cfg)`` in its own module."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

INSTALLERS = (
    "grenier.s3.authz",  # identities, policies, anonymous access (access-control issue)
    "grenier.adminapi.iam_route",  # the IAM Query API on the S3 endpoint
    "grenier.adminapi.accounts_route",  # accounts in the admin JSON API (system root)
    "grenier.adminapi.account_block",  # account-level Block Public Access (S3 Control)
    "grenier.adminapi.admin_routes",  # Grenier's admin JSON API (quotas, info)
    "grenier.s3.features",  # CORS hooks, lifecycle sweeper (bucket-features issue)
    "grenier.server.archives",  # archive buckets: roots, rescans, admin routes (issue 18)
)


def wire(service: S3Service, cfg: ServerConfig) -> dict[str, Any]:
    """Run every installer; return what each returned (the admin route, for the server's
    own admin endpoints)."""
    installed: dict[str, Any] = {}
    for name in INSTALLERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        installed[name] = module.install(service, cfg)
    return installed
