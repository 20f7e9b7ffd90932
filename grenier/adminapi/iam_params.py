"""Request parameters of the IAM Query API: required/optional look-ups and paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar
from xml.etree.ElementTree import Element

from grenier.iam.errors import IamError
from grenier.iam.evaluate import Principal

from . import iam_xml as x

if TYPE_CHECKING:
    from grenier.iam.store import IamStore

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


class Params:
    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.raw.get(name, default)

    def need(self, name: str) -> str:
        value = self.raw.get(name)
        if not value:
            raise IamError("MissingParameter", f"The request must contain the parameter {name}")
        return value

    def members(self, name: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
        """A query-protocol list: ``Name.member.N.Field`` (or ``Name.member.N``)."""
        out: list[dict[str, str]] = []
        index = 1
        while True:
            base = f"{name}.member.{index}"
            item = {f: self.raw[f"{base}.{f}"] for f in fields if f"{base}.{f}" in self.raw}
            if base in self.raw:
                item["member"] = self.raw[base]
            if not item:
                return out
            out.append(item)
            index += 1

    def flag(self, name: str) -> bool:
        return (self.raw.get(name) or "").lower() == "true"

    def page(self, items: Sequence[T]) -> tuple[list[T], str | None]:
        """Apply Marker/MaxItems; return (page, next marker or None)."""
        start = self._int("Marker", 0)
        size = self._int("MaxItems", DEFAULT_MAX_ITEMS)
        if size < 1 or size > 1000:
            raise IamError("ValidationError", "MaxItems must be between 1 and 1000.")
        chunk = list(items[start : start + size])
        more = start + size < len(items)
        return chunk, (str(start + size) if more else None)

    def _int(self, name: str, default: int) -> int:
        value = self.raw.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise IamError("ValidationError", f"Invalid value for {name}.") from None
        if number < 0:
            raise IamError("ValidationError", f"Invalid value for {name}.")
        return number


Handler = Callable[[Params, "IamStore", Principal], Element | None]


def paged(result: Element, params: Params, tag: str, items: list[Element]) -> Element:
    """Add a ``member`` list with IAM's IsTruncated/Marker paging to ``result``."""
    page, marker = params.page(items)
    x.members(result, tag, page)
    x.text(result, "IsTruncated", marker is not None)
    if marker is not None:
        x.text(result, "Marker", marker)
    return result
