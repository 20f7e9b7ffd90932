"""One boto3 S3 client per alias, shared by every worker thread of a command.

boto3 is imported lazily (inside :func:`connect`) so that ``grenier --help`` stays fast.
Path-style addressing always; an anonymous alias signs nothing (``botocore.UNSIGNED``).
Checksums are MD5-based and done by the transfer engine itself (``Content-MD5`` sent, the
returned ETag checked), so botocore's own CRC is only added where S3 requires one.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from typing import Any

from grenier.client.config import Alias, get_alias

DEFAULT_WORKERS = 16
_cache: dict[str, Session] = {}
_lock = threading.Lock()


def default_workers() -> int:
    try:
        return max(1, min(256, int(os.environ.get("GRENIER_WORKERS", DEFAULT_WORKERS))))
    except ValueError:
        return DEFAULT_WORKERS


class Session:
    """An alias and its (thread-safe) botocore S3 client, created on first use of ``s3``
    (so a bulk upload on the lean path never loads botocore)."""

    def __init__(self, alias: Alias, s3: Any = None, workers: int = DEFAULT_WORKERS) -> None:
        self.alias = alias
        self.workers = workers
        self._s3 = s3
        self._s3_lock = threading.Lock()

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            with self._s3_lock:
                if self._s3 is None:
                    self._s3 = make_client(self.alias, self.workers)
        return self._s3

    @property
    def name(self) -> str:
        return self.alias.name

    def same_server(self, other: Session) -> bool:
        """True when a server-side copy between the two is possible."""
        return self.alias.url == other.alias.url and self.alias.access_key == other.alias.access_key


def max_attempts() -> int:
    try:
        return max(1, int(os.environ.get("GRENIER_MAX_ATTEMPTS", "3")))
    except ValueError:
        return 3


def _boto_config(alias: Alias, workers: int) -> Any:
    import botocore
    from botocore.config import Config

    kwargs: dict[str, Any] = {
        "s3": {"addressing_style": "path"},
        "max_pool_connections": max(10, workers * 2),
        "retries": {"max_attempts": max_attempts(), "mode": "standard"},
        "connect_timeout": float(os.environ.get("GRENIER_CONNECT_TIMEOUT", "5")),
        "read_timeout": 120,
        "tcp_keepalive": True,
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
        "user_agent_extra": "grenier-cli",
        "parameter_validation": False,
    }
    kwargs["signature_version"] = botocore.UNSIGNED if alias.anonymous else "s3v4"
    return Config(**kwargs)


def _timestamp(value: Any) -> Any:
    """ISO 8601 dates (every listing entry) without dateutil's slow generic parser."""
    if isinstance(value, str) and value[-1:] == "Z" and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from botocore.utils import parse_timestamp

    return parse_timestamp(value)


def make_client(alias: Alias, workers: int) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    factory = session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=_timestamp)
    from grenier.client.tls import verify

    return session.create_client(
        "s3",
        endpoint_url=alias.url,
        verify=verify(),
        aws_access_key_id=alias.access_key or None,
        aws_secret_access_key=alias.secret_key or None,
        region_name=alias.region or "us-east-1",
        config=_boto_config(alias, workers),
    )


def connect(alias: Alias | str, workers: int | None = None) -> Session:
    """The shared :class:`Session` for an alias (created once per process; recreated only
    when a command asks for more parallel workers than its connection pool holds)."""
    workers = max(workers or 0, default_workers())
    name = alias if isinstance(alias, str) else alias.name
    with _lock:
        cached = _cache.get(name)
    if cached is not None and cached.workers >= workers:
        return cached
    resolved = get_alias(alias) if isinstance(alias, str) else alias
    with _lock:
        cached = _cache.get(name)
        if cached is None or cached.workers < workers:
            cached = Session(resolved, None, workers)
            _cache[name] = cached
        return cached
