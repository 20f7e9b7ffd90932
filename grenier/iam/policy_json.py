"""Strict JSON loading for policy documents: every failure becomes a PolicyError."""

from __future__ import annotations

import json
from typing import Any

from .errors import PolicyError


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate field {key}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def load_json(raw: bytes, code: str) -> Any:
    """Decode UTF-8 JSON, rejecting duplicate keys, NaN/Infinity and absurd nesting."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(code, "Policy document is not valid UTF-8.") from None
    if not text.strip():
        raise PolicyError(code, "Policy document is empty.")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise PolicyError(code, f"This policy contains invalid Json: {exc}") from None
