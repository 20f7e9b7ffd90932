"""Condition operators: how one request value is compared with a key's policy values.

``compile_values(operator, values)`` validates the policy values once (a bad date, number,
CIDR or boolean is a malformed policy) and returns a matcher ``(request_value, values) ->
bool`` plus whether the operator is negated. A negated matcher is true when the request
value matches none of the values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from .patterns import literal, wildcard_match

Compiled = Callable[[str, Sequence[str]], bool]
_Test = Callable[[str, str], bool]


def _parse_number(text: str) -> float:
    return float(text)


def parse_date(text: str) -> datetime:
    """ISO 8601 (``2024-01-31``, ``2024-01-31T12:00:00Z``) or epoch seconds, as AWS takes."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"{text!r} is not true or false")
    return lowered == "true"


def _ip_in(request: str, network: str) -> bool:
    try:
        address = ipaddress.ip_address(request.strip())
    except ValueError:
        return False
    net = ipaddress.ip_network(network.strip(), strict=False)
    return address.version == net.version and address in net


def _compare(parse: Callable[[str], object], op: Callable[[object, object], bool]) -> _Test:
    def test(request: str, value: str) -> bool:
        try:
            return op(parse(request), parse(value))
        except (ValueError, TypeError, OverflowError):
            return False

    return test


def _lt(a: object, b: object) -> bool:
    return a < b  # type: ignore[operator]


def _le(a: object, b: object) -> bool:
    return a <= b  # type: ignore[operator]


def _gt(a: object, b: object) -> bool:
    return a > b  # type: ignore[operator]


def _ge(a: object, b: object) -> bool:
    return a >= b  # type: ignore[operator]


def _eq(a: object, b: object) -> bool:
    return a == b


def _equals(request: str, value: str) -> bool:
    return request == literal(value)


def _equals_ignore_case(request: str, value: str) -> bool:
    return request.lower() == literal(value).lower()


def _like(request: str, value: str) -> bool:
    return wildcard_match(value, request)


def _bool(request: str, value: str) -> bool:
    return request.lower() == value.lower()


_NUM = _parse_number
_DATE = parse_date

# base operator -> (value test, negated, validator for policy values)
OPERATORS: dict[str, tuple[_Test, bool, Callable[[str], object] | None]] = {
    "StringEquals": (_equals, False, None),
    "StringNotEquals": (_equals, True, None),
    "StringEqualsIgnoreCase": (_equals_ignore_case, False, None),
    "StringNotEqualsIgnoreCase": (_equals_ignore_case, True, None),
    "StringLike": (_like, False, None),
    "StringNotLike": (_like, True, None),
    "NumericEquals": (_compare(_NUM, _eq), False, _NUM),
    "NumericNotEquals": (_compare(_NUM, _eq), True, _NUM),
    "NumericLessThan": (_compare(_NUM, _lt), False, _NUM),
    "NumericLessThanEquals": (_compare(_NUM, _le), False, _NUM),
    "NumericGreaterThan": (_compare(_NUM, _gt), False, _NUM),
    "NumericGreaterThanEquals": (_compare(_NUM, _ge), False, _NUM),
    "DateEquals": (_compare(_DATE, _eq), False, _DATE),
    "DateNotEquals": (_compare(_DATE, _eq), True, _DATE),
    "DateLessThan": (_compare(_DATE, _lt), False, _DATE),
    "DateLessThanEquals": (_compare(_DATE, _le), False, _DATE),
    "DateGreaterThan": (_compare(_DATE, _gt), False, _DATE),
    "DateGreaterThanEquals": (_compare(_DATE, _ge), False, _DATE),
    "Bool": (_bool, False, _parse_bool),
    "BinaryEquals": (_equals, False, None),
    "IpAddress": (_ip_in, False, lambda v: ipaddress.ip_network(v.strip(), strict=False)),
    "NotIpAddress": (_ip_in, True, lambda v: ipaddress.ip_network(v.strip(), strict=False)),
    "ArnEquals": (_like, False, None),
    "ArnLike": (_like, False, None),
    "ArnNotEquals": (_like, True, None),
    "ArnNotLike": (_like, True, None),
    "Null": (_bool, False, _parse_bool),
}


def compile_values(operator: str, values: Sequence[str]) -> tuple[Compiled, bool]:
    """Validate ``values`` for ``operator``; return (matcher, negated). Raises ValueError."""
    test, negated, validate = OPERATORS[operator]
    if validate is not None:
        for value in values:
            if "${" not in value:
                validate(value)

    def matcher(request: str, policy_values: Sequence[str]) -> bool:
        hit = any(test(request, value) for value in policy_values)
        return not hit if negated else hit

    return matcher, negated
