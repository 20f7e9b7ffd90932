"""Alias configuration: where endpoints and their keys live on the client side.

The file is ``~/.grenier/config.json`` (``GRENIER_CONFIG_DIR`` overrides the folder),
written 0600. Like mc's ``MC_HOST_<alias>``, an environment variable
``GRENIER_HOST_<alias>=http(s)://ACCESS:SECRET@host:port`` defines (or overrides)
an alias without touching the file. An alias with no keys is anonymous.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

CONFIG_VERSION = "1"


class AliasError(Exception):
    """An alias is unknown or its definition is malformed (one clear CLI line)."""


@dataclass(frozen=True)
class Alias:
    name: str
    url: str
    access_key: str = ""
    secret_key: str = ""
    region: str = "us-east-1"
    api: str = "s3v4"
    path: str = "auto"

    @property
    def anonymous(self) -> bool:
        return not self.access_key and not self.secret_key

    def public_dict(self) -> dict[str, str]:
        """The alias without its secret, for display."""
        data = asdict(self)
        data.pop("secret_key")
        return data


def config_dir() -> Path:
    env = os.environ.get("GRENIER_CONFIG_DIR")
    return Path(env) if env else Path.home() / ".grenier"


def config_path() -> Path:
    return config_dir() / "config.json"


def _load_file() -> dict[str, dict[str, str]]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AliasError(f"cannot read {path}: {exc}") from exc
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict):
        raise AliasError(f"{path}: 'aliases' is not an object")
    return aliases


def _save_file(aliases: dict[str, dict[str, str]]) -> None:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = json.dumps({"version": CONFIG_VERSION, "aliases": aliases}, indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(body + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, config_path())
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def alias_from_env_url(name: str, value: str) -> Alias:
    """Parse ``http(s)://ACCESS:SECRET@host:port`` (mc's MC_HOST_ form)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AliasError(f"GRENIER_HOST_{name}: expected http(s)://ACCESS:SECRET@host:port")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return Alias(
        name=name,
        url=url,
        access_key=unquote(parts.username or ""),
        secret_key=unquote(parts.password or ""),
    )


def validate_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AliasError(f"invalid URL {url!r}: expected http(s)://host[:port]")
    return url.rstrip("/")


def file_alias_names() -> set[str]:
    """Names defined in the config file (as opposed to GRENIER_HOST_* variables)."""
    return set(_load_file())


def env_alias_names() -> set[str]:
    return {
        var[len("GRENIER_HOST_") :]
        for var, value in os.environ.items()
        if var.startswith("GRENIER_HOST_") and value
    }


def list_aliases() -> dict[str, Alias]:
    """Every alias: the file's, then GRENIER_HOST_* (which win)."""
    result = {
        name: Alias(name=name, **{k: v for k, v in entry.items() if k != "name"})
        for name, entry in _load_file().items()
    }
    for var, value in os.environ.items():
        if var.startswith("GRENIER_HOST_") and value:
            name = var[len("GRENIER_HOST_") :]
            result[name] = alias_from_env_url(name, value)
    return result


def get_alias(name: str) -> Alias:
    aliases = list_aliases()
    if name not in aliases:
        raise AliasError(f"unknown alias {name!r} (see 'grenier alias list')")
    return aliases[name]


def set_alias(alias: Alias) -> None:
    aliases = _load_file()
    entry = asdict(alias)
    entry.pop("name")
    aliases[alias.name] = entry
    _save_file(aliases)


def remove_alias(name: str) -> None:
    aliases = _load_file()
    if name not in aliases:
        raise AliasError(f"unknown alias {name!r}")
    del aliases[name]
    _save_file(aliases)
