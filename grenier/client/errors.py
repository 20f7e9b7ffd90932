"""One exception type for everything the client can fail at, with a one-line message.

Foreign errors (botocore, sockets, the filesystem) are translated here, once, by
:func:`translate`; the CLI prints ``str(error)`` and exits non-zero. ``fatal`` marks the
failures that make carrying on pointless (bad keys, unreachable endpoint, missing
bucket): a batch transfer stops at the first one instead of repeating it per file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from grenier.client.config import AliasError

_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
_UNSUPPORTED_CODES = {"NotImplemented", "MethodNotAllowed", "XNotImplemented"}


class ClientError(Exception):
    """A user-facing failure: ``str()`` is one line saying what failed and why."""

    def __init__(self, message: str, *, code: str = "Error", fatal: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.fatal = fatal


class Cancelled(ClientError):
    """The user interrupted the operation (Ctrl-C, SIGTERM)."""

    def __init__(self) -> None:
        super().__init__("interrupted", code="Interrupted", fatal=True)


def _s3_error(exc: Exception, what: str) -> ClientError:
    response = getattr(exc, "response", {}) or {}
    err = response.get("Error", {})
    code = str(err.get("Code", "") or "")
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return s3_error(code, str(err.get("Message", "") or ""), status, what)


def s3_error(code: str, message: str, status: int, what: str) -> ClientError:
    """An S3 error answer (code, message, HTTP status) as a one-line ClientError."""
    detail = message.strip().rstrip(".")
    if code in ("NoSuchBucket",):
        return ClientError(f"{what}: no such bucket", code=code, fatal=True)
    if code in ("NoSuchKey", "NoSuchVersion") or (status == 404 and code in ("", "404")):
        return ClientError(f"{what}: no such object", code="NoSuchKey")
    if code in _AUTH_CODES:
        reason = "wrong access key or secret key" if code != "ExpiredToken" else "expired token"
        return ClientError(f"{what}: access denied ({reason})", code=code, fatal=True)
    if code == "AccessDenied" or status == 403:
        return ClientError(f"{what}: access denied", code="AccessDenied", fatal=True)
    if code in _UNSUPPORTED_CODES or status == 501:
        return ClientError(f"{what}: not supported by this server", code=code or "NotImplemented")
    if code == "BucketNotEmpty":
        return ClientError(f"{what}: bucket not empty (use --force)", code=code)
    if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
        return ClientError(f"{what}: bucket already exists", code=code)
    reason = f"{code}: {detail}" if detail else (code or f"HTTP {status}")
    return ClientError(f"{what}: {reason}", code=code or "Error", fatal=status >= 500)


def translate(exc: BaseException, what: str) -> ClientError:
    """Turn any exception raised while doing ``what`` into a :class:`ClientError`."""
    if isinstance(exc, ClientError):
        return exc
    if isinstance(exc, AliasError):
        return ClientError(str(exc), code="AliasError", fatal=True)
    bexc = sys.modules.get("botocore.exceptions")  # never imported: not a botocore error
    if bexc is None:
        return _other_error(exc, what)
    if isinstance(exc, bexc.ClientError):
        return _s3_error(exc, what)
    if isinstance(exc, bexc.EndpointConnectionError | bexc.ConnectionClosedError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return ClientError(
            f"{what}: cannot reach {url or 'endpoint'}", code="Unreachable", fatal=True
        )
    if isinstance(exc, bexc.ConnectTimeoutError | bexc.ReadTimeoutError):
        return ClientError(f"{what}: endpoint timed out", code="Timeout", fatal=True)
    if isinstance(exc, bexc.NoCredentialsError):
        return ClientError(f"{what}: no credentials", code="AccessDenied", fatal=True)
    if isinstance(exc, bexc.BotoCoreError):
        return ClientError(f"{what}: {exc}", code=type(exc).__name__, fatal=True)
    return _other_error(exc, what)


def _other_error(exc: BaseException, what: str) -> ClientError:
    if isinstance(exc, FileNotFoundError):
        return ClientError(f"{what}: no such file or directory", code="NoSuchFile")
    if isinstance(exc, PermissionError):
        return ClientError(f"{what}: permission denied", code="PermissionDenied")
    if isinstance(exc, IsADirectoryError):
        return ClientError(f"{what}: is a directory (use -r)", code="IsADirectory")
    if isinstance(exc, OSError):
        return ClientError(f"{what}: {exc.strerror or exc}", code="OSError")
    return ClientError(f"{what}: {type(exc).__name__}: {exc}", code="InternalError")


@contextmanager
def errors(what: str) -> Iterator[None]:
    """Translate any failure inside the block (``with errors("ls pavics/b"): ...``)."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except Exception as exc:
        raise translate(exc, what) from exc
