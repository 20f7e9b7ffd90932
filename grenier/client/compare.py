"""Compare two trees (``diff``) and plan a ``mirror`` from the comparison."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from grenier.client.listing import Entry

ONLY_FIRST, ONLY_SECOND, SIZE, NEWER = "only-in-first", "only-in-second", "size", "newer"


@dataclass
class Difference:
    key: str
    kind: str
    first: Entry | None = None
    second: Entry | None = None


# S3 LastModified is often whole seconds (moto, AWS listings), so a file written and
# uploaded within one second would look newer than its copy: allow that much skew.
MODIFY_WINDOW = timedelta(seconds=1)


def _newer(a: Entry, b: Entry) -> bool:
    return bool(a.mtime and b.mtime and a.mtime - b.mtime >= MODIFY_WINDOW)


def compare(
    first: Iterable[Entry], second: Iterable[Entry], *, times: bool = False
) -> list[Difference]:
    """Keys only on one side, or whose sizes differ (or, with ``times``, newer in first)."""
    a = {e.key: e for e in first}
    b = {e.key: e for e in second}
    out: list[Difference] = []
    for key in sorted(a.keys() | b.keys()):
        x, y = a.get(key), b.get(key)
        if y is None:
            out.append(Difference(key, ONLY_FIRST, x, None))
        elif x is None:
            out.append(Difference(key, ONLY_SECOND, None, y))
        elif x.size != y.size:
            out.append(Difference(key, SIZE, x, y))
        elif times and _newer(x, y):
            out.append(Difference(key, NEWER, x, y))
    return out


@dataclass
class Filters:
    exclude: list[str] = field(default_factory=list)
    newer_than: timedelta | None = None
    older_than: timedelta | None = None

    def excluded(self, key: str) -> bool:
        name = key.rsplit("/", 1)[-1]
        return any(
            fnmatch.fnmatchcase(key, g) or fnmatch.fnmatchcase(name, g) for g in self.exclude
        )

    def age_ok(self, entry: Entry, now: datetime | None = None) -> bool:
        if entry.mtime is None:
            return True
        age = (now or datetime.now(UTC)) - entry.mtime
        if self.newer_than is not None and age > self.newer_than:
            return False
        return not (self.older_than is not None and age < self.older_than)

    def keep(self, entry: Entry) -> bool:
        return not self.excluded(entry.key) and self.age_ok(entry)


@dataclass
class MirrorPlan:
    copy: list[Entry] = field(default_factory=list)
    overwrite: list[Entry] = field(default_factory=list)
    conflicts: list[Entry] = field(default_factory=list)
    remove: list[Entry] = field(default_factory=list)


def plan_mirror(
    source: Iterable[Entry],
    target: Iterable[Entry],
    filters: Filters,
    *,
    overwrite: bool,
    remove: bool,
) -> MirrorPlan:
    """What to copy, overwrite (or refuse to), and remove to make target match source."""
    src = [e for e in source if filters.keep(e)]
    dst = [e for e in target if not filters.excluded(e.key)]
    plan = MirrorPlan()
    for diff in compare(src, dst, times=True):
        if diff.kind == ONLY_FIRST and diff.first:
            plan.copy.append(diff.first)
        elif diff.kind in (SIZE, NEWER) and diff.first:
            (plan.overwrite if overwrite else plan.conflicts).append(diff.first)
        elif diff.kind == ONLY_SECOND and diff.second and remove:
            plan.remove.append(diff.second)
    return plan
