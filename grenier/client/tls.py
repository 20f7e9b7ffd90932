"""How the client verifies an HTTPS server: every transport (botocore, the aiohttp bulk
path, the admin API, health checks, s3fs in the data library) asks here.

* ``GRENIER_INSECURE=1`` (the CLI's ``--insecure``, as mc's): no verification, for
  self-signed test setups only;
* ``GRENIER_CA_BUNDLE=FILE`` (the CLI's ``--ca-bundle``), else ``AWS_CA_BUNDLE``: trust the
  CAs in FILE instead of the system store (as the AWS CLI's ``--ca-bundle``);
* otherwise the system CAs.
"""

from __future__ import annotations

import os
import ssl

INSECURE_ENV = "GRENIER_INSECURE"
CA_BUNDLE_ENV = "GRENIER_CA_BUNDLE"


def insecure() -> bool:
    return os.environ.get(INSECURE_ENV, "").lower() in ("1", "true", "yes", "on")


def ca_bundle() -> str | None:
    return os.environ.get(CA_BUNDLE_ENV) or os.environ.get("AWS_CA_BUNDLE") or None


def verify() -> bool | str:
    """botocore's and s3fs' ``verify``: False, a CA bundle path, or True."""
    if insecure():
        return False
    return ca_bundle() or True


def ssl_context() -> ssl.SSLContext:
    """For urllib and aiohttp."""
    if insecure():
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=ca_bundle())
