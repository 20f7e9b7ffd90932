"""Read aliases from an existing mc configuration (``~/.mc/config.json``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from grenier.client.config import Alias, AliasError, validate_url


def mc_config_path() -> Path:
    env = os.environ.get("MC_CONFIG_DIR")
    return (Path(env) if env else Path.home() / ".mc") / "config.json"


def read_mc_aliases(path: Path | None = None) -> list[Alias]:
    """Aliases of an mc config (version 10 ``aliases`` or older ``hosts``)."""
    path = path or mc_config_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise AliasError(f"{path}: no mc configuration there (use --from PATH)") from exc
    except (OSError, ValueError) as exc:
        raise AliasError(f"cannot read {path}: {exc}") from exc
    entries = data.get("aliases") or data.get("hosts") or {}
    if not isinstance(entries, dict):
        raise AliasError(f"{path}: 'aliases' is not an object")
    aliases = []
    for name, entry in sorted(entries.items()):
        if not isinstance(entry, dict) or not entry.get("url"):
            continue
        aliases.append(
            Alias(
                name=name,
                url=validate_url(str(entry["url"])),
                access_key=str(entry.get("accessKey") or ""),
                secret_key=str(entry.get("secretKey") or ""),
                api=str(entry.get("api") or "s3v4"),
                path=str(entry.get("path") or "auto"),
            )
        )
    return aliases
