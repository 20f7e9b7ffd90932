"""Sizes (``10MiB``, ``1.5G``), durations (``7d10h``, ``1h30m``) and their human forms."""

from __future__ import annotations

import re
from datetime import timedelta

from grenier.client.errors import ClientError

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "ki": 1024,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mi": 1024**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gi": 1024**3,
    "gib": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ti": 1024**4,
    "tib": 1024**4,
}
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_size(text: str) -> int:
    """``"64MiB"`` → 67108864; plain numbers are bytes; K/M/G are powers of 1000."""
    match = _SIZE_RE.match(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _SIZE_UNITS:
        raise ClientError(f"invalid size {text!r} (examples: 512, 10KiB, 5MB, 1.5GiB)")
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def parse_duration(text: str) -> timedelta:
    """``"7d10h31s"`` (mc's form: w, d, h, m, s) → timedelta."""
    compact = text.replace(" ", "").lower()
    parts = _DURATION_RE.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ClientError(f"invalid duration {text!r} (examples: 30s, 90m, 1h, 7d, 2w, 1d12h)")
    return timedelta(seconds=sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


def human_size(n: int | float) -> str:
    """1536 → ``1.5KiB`` (binary units, like mc)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)}B" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}PiB"
