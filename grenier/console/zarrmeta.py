"""What a Zarr group's metadata documents say, as plain dicts for the dataset page (pure).

This reads the JSON documents only (``zarr.json`` for v3, ``.zmetadata`` or ``.zgroup`` +
``.zarray``/``.zattrs`` for v2), so it needs neither zarr nor numpy: the dataset page works
with the core install. ``grenier.datasets.layout`` has a similar reader, but importing
``grenier.datasets`` needs the ``data`` extra (s3fs), and the console also shows codecs.

A variable is ``{"name", "dims", "shape", "dtype", "chunks", "codecs", "fill_value",
"attrs"}``; a description is ``{"kind", "consolidated", "attrs", "dims", "coords",
"data_vars"}`` (the same shape the worker returns for netCDF files).
"""

from __future__ import annotations

import json
from typing import Any

V2_KINDS = {"f": "float", "i": "int", "u": "uint", "c": "complex"}
HIDDEN_ATTRS = {"_ARRAY_DIMENSIONS", "grenier_generation"}


def dtype_v2(text: Any) -> str:
    """``<f4`` → ``float32``, ``|b1`` → ``bool``, ``<M8[ns]`` → ``datetime64[ns]``."""
    if not isinstance(text, str):
        return json.dumps(text)
    code = text.lstrip("<>|=")
    kind, size = code[:1], code[1:]
    if kind in V2_KINDS and size.isdigit():
        return f"{V2_KINDS[kind]}{int(size) * 8}"
    if code == "b1":
        return "bool"
    if kind == "M":
        return "datetime64" + size[1:]
    if kind == "m":
        return "timedelta64" + size[1:]
    if kind in ("U", "S"):
        return f"string ({code})"
    return text


def _describe_codec(codec: Any) -> str:
    if not isinstance(codec, dict):
        return str(codec)
    name = codec.get("name") or codec.get("id") or "?"
    config = codec.get("configuration")
    if not isinstance(config, dict):
        config = {k: v for k, v in codec.items() if k not in ("id", "name")}
    if name == "sharding_indexed":
        inner = ", ".join(_describe_codec(c) for c in config.get("codecs", []))
        return f"sharding(chunks={config.get('chunk_shape')}; {inner})"
    details = ", ".join(f"{k}={v}" for k, v in config.items() if not isinstance(v, dict | list))
    return f"{name}({details})" if details else str(name)


def _attrs(doc: Any) -> dict[str, Any]:
    return {k: v for k, v in (doc or {}).items() if k not in HIDDEN_ATTRS}


def variable_v3(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    grid = doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape")
    codecs = doc.get("codecs", [])
    if len(codecs) == 1 and codecs[0].get("name") == "sharding_indexed":
        grid = codecs[0].get("configuration", {}).get("chunk_shape", grid)
    dtype = doc.get("data_type")
    return {
        "name": name,
        "dims": list(doc.get("dimension_names") or []),
        "shape": list(doc.get("shape", [])),
        "dtype": dtype if isinstance(dtype, str) else json.dumps(dtype),
        "chunks": list(grid) if grid is not None else None,
        "codecs": [_describe_codec(c) for c in codecs],
        "fill_value": doc.get("fill_value"),
        "attrs": _attrs(doc.get("attributes")),
    }


def variable_v2(name: str, zarray: dict[str, Any], zattrs: dict[str, Any]) -> dict[str, Any]:
    codecs = [_describe_codec(f) for f in zarray.get("filters") or []]
    if zarray.get("compressor"):
        codecs.append(_describe_codec(zarray["compressor"]))
    return {
        "name": name,
        "dims": list(zattrs.get("_ARRAY_DIMENSIONS", [])),
        "shape": list(zarray.get("shape", [])),
        "dtype": dtype_v2(zarray.get("dtype")),
        "chunks": list(zarray.get("chunks", [])),
        "codecs": codecs,
        "fill_value": zarray.get("fill_value"),
        "attrs": _attrs(zattrs),
    }


def describe(
    kind: str, consolidated: bool | None, attrs: Any, variables: list[dict[str, Any]]
) -> dict[str, Any]:
    """Split variables into coordinates (dimension variables and those a ``coordinates``
    attribute names) and data variables; dimension sizes from the variables' shapes."""
    dims: dict[str, int] = {}
    for var in sorted(variables, key=lambda v: -len(v["shape"])):
        for dim, size in zip(var["dims"], var["shape"], strict=False):
            dims.setdefault(dim, size)
    coord_names = set(dims)
    for var in variables:
        coord_names.update(str(var["attrs"].get("coordinates", "")).split())
    ordered = sorted(variables, key=lambda v: v["name"])
    return {
        "kind": kind,
        "consolidated": consolidated,
        "attrs": _attrs(attrs),
        "dims": dims,
        "coords": [v for v in ordered if v["name"] in coord_names],
        "data_vars": [v for v in ordered if v["name"] not in coord_names],
    }


def from_v3(root: dict[str, Any], children: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """``root`` is the group's zarr.json; ``children`` the arrays' documents when the group
    is not consolidated (consolidated metadata is inside ``root``)."""
    consolidated = (root.get("consolidated_metadata") or {}).get("metadata")
    docs = consolidated if consolidated is not None else (children or {})
    variables = [
        variable_v3(name, doc)
        for name, doc in docs.items()
        if isinstance(doc, dict) and doc.get("node_type") == "array" and "/" not in name
    ]
    return describe("Zarr v3", consolidated is not None, root.get("attributes"), variables)


def from_v2(meta: dict[str, Any], consolidated: bool) -> dict[str, Any]:
    """``meta`` maps ``.zattrs`` and ``NAME/.zarray``/``NAME/.zattrs`` to their documents
    (the ``metadata`` of ``.zmetadata``, or the same gathered one by one)."""
    variables = []
    for key, zarray in meta.items():
        name, _, leaf = key.rpartition("/")
        if leaf == ".zarray" and name and "/" not in name and isinstance(zarray, dict):
            variables.append(variable_v2(name, zarray, meta.get(f"{name}/.zattrs") or {}))
    return describe("Zarr v2", consolidated, meta.get(".zattrs"), variables)


def plottable(description: dict[str, Any]) -> list[dict[str, Any]]:
    """Data variables with two dimensions or more (a quick-look shows a 2-D slice)."""
    return [v for v in description["data_vars"] if len(v["shape"]) >= 2]
