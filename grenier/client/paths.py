"""Command-line paths, mc style: ``ALIAS/bucket/key`` or a local path.

The first component is an alias when it names a known alias; anything else is a local
path. ``./x``, ``/x`` and ``~/x`` are always local, so a local folder that happens to be
called like an alias stays reachable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grenier.client.config import list_aliases
from grenier.client.errors import ClientError


@dataclass(frozen=True)
class RemotePath:
    alias: str
    bucket: str = ""
    key: str = ""
    trailing_slash: bool = False

    @property
    def is_dir(self) -> bool:
        """A bucket root or a prefix written with a trailing slash."""
        return not self.key or self.key.endswith("/")

    def child(self, name: str) -> RemotePath:
        base = self.key if not self.key or self.key.endswith("/") else self.key + "/"
        return RemotePath(self.alias, self.bucket, base + name)

    def __str__(self) -> str:
        return "/".join(p for p in (self.alias, self.bucket, self.key) if p)


@dataclass(frozen=True)
class LocalPath:
    path: Path
    trailing_slash: bool = False

    def child(self, name: str) -> LocalPath:
        return LocalPath(self.path / name)

    def __str__(self) -> str:
        return str(self.path)


Target = RemotePath | LocalPath


def _is_explicitly_local(arg: str) -> bool:
    return arg.startswith(("/", "./", "../", "~")) or arg in (".", "..")


def parse(arg: str, aliases: set[str] | None = None) -> Target:
    """Classify one command-line path."""
    if not _is_explicitly_local(arg):
        names = aliases if aliases is not None else set(list_aliases())
        first, _, rest = arg.partition("/")
        if first in names:
            bucket, _, key = rest.partition("/")
            return RemotePath(first, bucket, key, trailing_slash=arg.endswith("/"))
    expanded = os.path.expanduser(arg)
    return LocalPath(Path(expanded), trailing_slash=arg.endswith(("/", os.sep)))


def parse_remote(arg: str) -> RemotePath:
    """A path that must be remote: a clear error names the unknown alias."""
    target = parse(arg)
    if isinstance(target, RemotePath):
        return target
    first = arg.split("/", 1)[0]
    if _is_explicitly_local(arg) or not first:
        raise ClientError(f"{arg}: expected ALIAS/BUCKET[/KEY], got a local path", code="BadPath")
    raise ClientError(
        f"{arg}: unknown alias {first!r} (see 'grenier alias list')", code="AliasError", fatal=True
    )


def parse_any(arg: str) -> Target:
    """A local or remote path; a missing local path that looks like ALIAS/... is an error."""
    target = parse(arg)
    if isinstance(target, LocalPath) and not target.path.exists() and "/" in arg.strip("/"):
        first = arg.split("/", 1)[0]
        if not _is_explicitly_local(arg) and not Path(first).exists():
            raise ClientError(
                f"{arg}: no such file, and {first!r} is not a known alias", code="AliasError"
            )
    return target
