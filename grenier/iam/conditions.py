"""The ``Condition`` element: parsing (with validation) and evaluation.

A condition block is ``{operator: {key: value-or-values}}``. Operators AND together, keys
within an operator AND together, and the values of one key OR together (negated operators:
"matches none of them"). Operators take the ``...IfExists`` suffix and the
``ForAnyValue:`` / ``ForAllValues:`` set qualifiers, with AWS's missing-key rules:
a missing key fails a positive operator and satisfies a negated one, ``IfExists`` makes it
satisfy any operator, ``ForAllValues`` is true and ``ForAnyValue`` false on an empty set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .condition_keys import is_known_key
from .condition_values import OPERATORS, Compiled, compile_values
from .errors import PolicyError
from .patterns import substitute

Context = Mapping[str, str | list[str]]

_QUALIFIERS = ("ForAnyValue", "ForAllValues")


@dataclass(frozen=True)
class Condition:
    operator: str  # base operator, e.g. "StringLike"
    qualifier: str  # "", "ForAnyValue" or "ForAllValues"
    if_exists: bool
    key: str
    values: tuple[str, ...]
    negated: bool
    matcher: Compiled

    def evaluate(self, context: Context, substitutes: bool) -> bool:
        present = _lookup(context, self.key)
        if self.operator == "Null":
            return (present is None) == (self.values[0].lower() == "true")
        if present is None or (self.qualifier and not present):
            return self._missing()
        values = self._policy_values(context) if substitutes else self.values
        results = (self.matcher(v, values) for v in present)
        every = self.qualifier == "ForAllValues" or (not self.qualifier and self.negated)
        return all(results) if every else any(results)

    def _missing(self) -> bool:
        if self.if_exists:
            return True
        if self.qualifier == "ForAllValues":
            return True
        if self.qualifier == "ForAnyValue":
            return False
        return self.negated

    def _policy_values(self, context: Context) -> tuple[str, ...]:
        out = (substitute(v, context) for v in self.values)
        return tuple(v for v in out if v is not None)


def _lookup(context: Context, key: str) -> list[str] | None:
    wanted = key.lower()
    for name, value in context.items():
        if name.lower() == wanted:
            return [value] if isinstance(value, str) else list(value)
    return None


def parse_conditions(raw: Any, code: str, *, bucket_policy: bool) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise PolicyError(code, "Condition must be an object of operators.")
    out: list[Condition] = []
    for operator, block in raw.items():
        if not isinstance(block, dict) or not block:
            raise PolicyError(code, f"Condition operator {operator} must map keys to values.")
        for key, value in block.items():
            out.append(_parse_one(operator, key, value, code, bucket_policy))
    return tuple(out)


def _parse_one(operator: str, key: str, value: Any, code: str, bucket_policy: bool) -> Condition:
    qualifier, base, if_exists = _split_operator(operator, code)
    if not isinstance(key, str) or not is_known_key(key, bucket_policy=bucket_policy):
        raise PolicyError(code, f"Policy has an invalid condition key: {key}")
    values = _values(value, code, operator)
    try:
        matcher, negated = compile_values(base, values)
    except ValueError as exc:
        raise PolicyError(code, f"Invalid value for {operator} {key}: {exc}") from None
    if base == "Null" and (if_exists or qualifier or len(values) != 1):
        raise PolicyError(code, "Null takes a single true/false value and no qualifier.")
    return Condition(base, qualifier, if_exists, key, values, negated, matcher)


def _split_operator(operator: str, code: str) -> tuple[str, str, bool]:
    qualifier = ""
    name = operator
    if ":" in operator:
        qualifier, _, name = operator.partition(":")
        if qualifier not in _QUALIFIERS:
            raise PolicyError(code, f"Invalid Condition type : {operator}")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    if base not in OPERATORS:
        raise PolicyError(code, f"Invalid Condition type : {operator}")
    return qualifier, base, if_exists


def _values(value: Any, code: str, operator: str) -> tuple[str, ...]:
    items: Sequence[Any] = value if isinstance(value, list) else [value]
    if not items:
        raise PolicyError(code, f"Condition {operator} has no values.")
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise PolicyError(code, f"Condition {operator} values must be strings.")
    return tuple(out)
