"""IAM wildcard matching (``*`` and ``?``) and policy variables (``${aws:username}``).

Both are pure string functions shared by actions, resources, principals and conditions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# Substituted text is literal: its ``*`` and ``?`` are carried as private-use characters
# that :func:`wildcard_match` reads as the plain characters, never as wildcards.
_LITERAL_STAR = "\ue000"
_LITERAL_QMARK = "\ue001"
_ESCAPES = {"*": _LITERAL_STAR, "?": _LITERAL_QMARK, "$": "$"}
_UNESCAPE = {_LITERAL_STAR: "*", _LITERAL_QMARK: "?"}


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(_UNESCAPE.get(char, char)))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True if ``value`` matches ``pattern`` where ``*`` is any run and ``?`` one character."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        pattern = literal(pattern)
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compile(pattern, ignore_case).fullmatch(value) is not None


def literal(pattern: str) -> str:
    """The plain text of a substituted pattern (for exact, wildcard-free comparisons)."""
    return pattern.replace(_LITERAL_STAR, "*").replace(_LITERAL_QMARK, "?")


def has_variables(text: str) -> bool:
    return "${" in text


def substitute(text: str, context: Mapping[str, str | list[str]]) -> str | None:
    """Replace ``${key}`` with the single-valued context value (keys are case-insensitive).

    ``${*}``, ``${?}`` and ``${$}`` are the literal characters. Returns ``None`` when a
    referenced key is absent or multi-valued: the element then matches nothing, as in AWS.
    """
    if not has_variables(text):
        return text
    lowered = {k.lower(): v for k, v in context.items()}
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1).strip()
        if name in _ESCAPES:
            return _ESCAPES[name]
        value = lowered.get(name.lower())
        if not isinstance(value, str):
            missing = True
            return ""
        return value.replace("*", _LITERAL_STAR).replace("?", _LITERAL_QMARK)

    result = _VARIABLE.sub(replace, text)
    return None if missing else result
