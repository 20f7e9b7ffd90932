"""The console's settings: where the S3 endpoint is, session and login limits, worker bounds.

Every value has an environment variable (``GRENIER_CONSOLE_*``) so that an operator can
tune it without a new flag; the defaults suit a small team.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class ConsoleSettings:
    s3_url: str  # the S3 endpoint as this process reaches it (loopback)
    region: str = "us-east-1"
    # The S3 URL users' machines reach, for share links and snippets (MinIO's
    # MINIO_SERVER_URL); "" derives it from the browser's Host and the S3 port.
    public_s3_url: str = ""
    secure_cookies: bool = False  # set when the console is served over TLS
    session_idle: float = 3600.0  # seconds without a request before a session ends
    session_lifetime: float = 12 * 3600.0  # seconds after login, whatever the activity
    max_sessions: int = 10_000
    login_failures: int = 5  # failed logins allowed per client address / access key ...
    login_window: float = 300.0  # ... per this many seconds
    page_size: int = 200  # listing entries per page
    worker_timeout: float = 30.0  # seconds for one dataset description or quick-look
    worker_memory: int = 2 * 1024**3  # bytes of heap the dataset worker may use
    quicklook_max_bytes: int = 256 * 1024**2  # stored chunk bytes one quick-look may read

    @classmethod
    def from_env(cls, *, s3_url: str, region: str) -> ConsoleSettings:
        return cls(
            s3_url=s3_url,
            region=region,
            public_s3_url=os.environ.get(
                "GRENIER_SERVER_URL", os.environ.get("MINIO_SERVER_URL", "")
            ).rstrip("/"),
            secure_cookies=os.environ.get("GRENIER_CONSOLE_SECURE_COOKIES", "") == "1",
            session_idle=_env_float("GRENIER_CONSOLE_SESSION_IDLE", 3600.0),
            session_lifetime=_env_float("GRENIER_CONSOLE_SESSION_LIFETIME", 12 * 3600.0),
            login_failures=int(_env_float("GRENIER_CONSOLE_LOGIN_FAILURES", 5)),
            login_window=_env_float("GRENIER_CONSOLE_LOGIN_WINDOW", 300.0),
            page_size=max(1, int(_env_float("GRENIER_CONSOLE_PAGE_SIZE", 200))),
            worker_timeout=_env_float("GRENIER_CONSOLE_WORKER_TIMEOUT", 30.0),
        )
