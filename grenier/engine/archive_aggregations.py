"""Aggregations: a declared set of archive files along one dimension, served as one
virtual Zarr store (what THREDDS calls a joinExisting aggregation).

They are declared in ``grenier-aggregations.yaml`` at the root of the archive (YAML, or
JSON, which is YAML too), so the declaration travels with the data, is itself readable
as an object of the bucket, and is read again whenever it changes::

    aggregations:
      - key: CanESM5/tas_day.zarr         # served at BUCKET/CanESM5/tas_day.zarr/
        dim: time                         # the dimension the files are joined along
        files: CanESM5/day/tas_day_*.nc   # a glob over keys ('*' stays within one
                                          # folder), or a list of globs and keys

The members are the catalogued keys that match, in key order. Their references (built and
cached one file at a time, like ``X.nc.zarr``) are combined with kerchunk's
``MultiZarrToZarr``: arrays along ``dim`` are concatenated (sorted by their coordinate
values), every other array is taken from the first file. Chunks are joined as stored, so
the members must share the ``units`` and ``calendar`` of every variable (CMIP-style
series do); a series whose files each count time from their own start is refused.
That is ``xr.open_mfdataset(files, data_vars="minimal", coords="minimal",
compat="override")``. Zarr arrays have one chunk shape, so every member must have the
same chunk size along ``dim`` and every member but the last a whole number of chunks.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from grenier.engine.archive_paths import NotAFile, key_parts
from grenier.engine.archive_refs import Refs, Unsupported, rename_urls

DECLARATION = "grenier-aggregations.yaml"
WILDCARDS = "*?["


class BadDeclaration(Exception):
    """The declaration file cannot be used (the message says where)."""


@dataclass(frozen=True)
class Aggregation:
    key: str  # the store's key, ending in ".zarr"
    dim: str
    files: tuple[str, ...]  # globs or plain keys

    def digest(self) -> str:
        text = json.dumps([self.key, self.dim, list(self.files)])
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    def prefixes(self) -> list[str]:
        """For each pattern, the fixed part before its first wildcard (index seeks)."""
        out = []
        for pattern in self.files:
            cut = min((pattern.find(c) for c in WILDCARDS if c in pattern), default=len(pattern))
            out.append(pattern[:cut])
        return out

    def matches(self, key: str) -> bool:
        parts = key.split("/")
        for pattern in self.files:
            pparts = pattern.split("/")
            if len(pparts) == len(parts) and all(
                fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pparts, strict=True)
            ):
                return True
        return False


def parse(text: bytes) -> dict[str, Aggregation]:
    """The declared aggregations by key, or :class:`BadDeclaration`."""
    import yaml

    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise BadDeclaration(f"{DECLARATION}: not valid YAML ({exc})") from None
    items = doc.get("aggregations") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise BadDeclaration(f"{DECLARATION}: expected a list under 'aggregations'")
    found: dict[str, Aggregation] = {}
    for n, item in enumerate(items, start=1):
        agg = _one(item, n)
        if agg.key in found:
            raise BadDeclaration(f"{DECLARATION}: aggregation {n}: key {agg.key!r} declared twice")
        found[agg.key] = agg
    return found


def _one(item: Any, n: int) -> Aggregation:
    where = f"{DECLARATION}: aggregation {n}"
    if not isinstance(item, dict):
        raise BadDeclaration(f"{where}: expected a mapping with key, dim and files")
    key, dim, files = item.get("key"), item.get("dim"), item.get("files")
    if isinstance(files, str):
        files = [files]
    if not isinstance(key, str) or not key.endswith(".zarr"):
        raise BadDeclaration(f"{where}: 'key' must be a key ending in .zarr")
    try:
        key_parts(key)
    except NotAFile:
        raise BadDeclaration(f"{where}: {key!r} is not a valid key") from None
    if not isinstance(dim, str) or not dim:
        raise BadDeclaration(f"{where}: 'dim' must name a dimension")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise BadDeclaration(f"{where}: 'files' must be a glob or a list of globs")
    return Aggregation(key, dim, tuple(files))


def combine(agg: Aggregation, members: list[tuple[str, str, Refs, int]]) -> Refs:
    """One set of references from each member's ``(key, url, refs, size)`` — refs whose
    chunks name ``url``, a path kerchunk can read the coordinates from."""
    from kerchunk.combine import MultiZarrToZarr

    if not members:
        raise Unsupported(f"aggregation {agg.key}: no catalogued file matches {list(agg.files)}")
    first = members[0][2]
    coord = _json(first.get(f"{agg.dim}/.zattrs", "{}"))
    if f"{agg.dim}/.zarray" not in first:
        raise Unsupported(f"aggregation {agg.key}: {members[0][0]} has no coordinate {agg.dim!r}")
    _check_chunks(agg, members)
    _check_units(agg, members)
    since = " since " in str(coord.get("units", ""))
    identical = [
        name[: -len("/.zattrs")]
        for name, text in first.items()
        if name.endswith("/.zattrs") and agg.dim not in _json(text).get("_ARRAY_DIMENSIONS", [])
    ]
    try:
        combined = MultiZarrToZarr(
            [{"version": 1, "refs": refs} for _, _, refs, _ in members],
            concat_dims=[agg.dim],
            identical_dims=identical,
            coo_map={agg.dim: f"cf:{agg.dim}" if since else f"data:{agg.dim}"},
        ).translate()
    except Exception as exc:  # noqa: BLE001 - kerchunk's refusal, reported as such
        raise Unsupported(f"aggregation {agg.key}: {type(exc).__name__}: {exc}") from exc
    names = {url: key for key, url, _, _ in members}
    sizes = {key: size for key, _, _, size in members}
    return rename_urls(combined["refs"], names, sizes)


def _check_chunks(agg: Aggregation, members: list[tuple[str, str, Refs, int]]) -> None:
    """Same chunk size along ``dim`` in every member, whole chunks in all but the last."""
    seen: dict[str, int] = {}
    for index, (key, _, refs, _) in enumerate(members):
        for name, text in refs.items():
            if not name.endswith("/.zarray"):
                continue
            var = name[: -len("/.zarray")]
            dims = _json(refs.get(f"{var}/.zattrs", "{}")).get("_ARRAY_DIMENSIONS", [])
            if agg.dim not in dims or var == agg.dim:
                continue  # the coordinate itself is written anew from its values
            meta = _json(text)
            axis = dims.index(agg.dim)
            chunk, length = meta["chunks"][axis], meta["shape"][axis]
            if seen.setdefault(var, chunk) != chunk or (
                index < len(members) - 1 and length % chunk
            ):
                raise Unsupported(
                    f"aggregation {agg.key}: {var} in {key} is chunked {chunk} along "
                    f"{agg.dim} (length {length}); Zarr needs one chunk size, and whole "
                    "chunks in every file but the last"
                )


def _check_units(agg: Aggregation, members: list[tuple[str, str, Refs, int]]) -> None:
    """Every member counts in the same units and calendar: chunks are joined as they
    are stored, so values relative to different origins (time bounds...) would mix."""
    first_key, _, first, _ = members[0]
    for key, _, refs, _ in members[1:]:
        for name, text in refs.items():
            if not name.endswith("/.zattrs"):
                continue
            mine, theirs = _json(text), _json(first.get(name, "{}"))
            for attr in ("units", "calendar"):
                if mine.get(attr) != theirs.get(attr):
                    raise Unsupported(
                        f"aggregation {agg.key}: {name[: -len('/.zattrs')]} has {attr} "
                        f"{mine.get(attr)!r} in {key} but {theirs.get(attr)!r} in {first_key}; "
                        "the files of an aggregation must share their units and calendar"
                    )


def _json(value: Any) -> dict[str, Any]:
    data = json.loads(value if isinstance(value, str | bytes) else "{}")
    return data if isinstance(data, dict) else {}
