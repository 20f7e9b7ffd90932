"""Dataset pages: ``/dataset/BUCKET/PATH`` for a Zarr store (v2 or v3) or a netCDF object,
and ``/quicklook/BUCKET/PATH?var=NAME&i.DIM=N`` for a PNG of one 2-D slice.

A Zarr page is built from the metadata documents alone (read here, with the user's keys,
by GetObject: no chunk is read); coordinate ranges and netCDF headers come from the
dataset worker (xarray, see ``worker``), which needs the ``data`` extra. Every answer
starts with a signed HEAD or GET of the dataset's root document as the user, so a cached
result is only served to someone allowed to read the dataset, and the root document's
ETag (which changes with every write of the dataset) keys the caches.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections import OrderedDict
from typing import Any

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console import zarrmeta
from grenier.console.browse import crumbs, is_netcdf
from grenier.console.connection import UserConnection
from grenier.console.objects import public_url
from grenier.console.web import bucket_of, conn, key_url, render, request_key, state
from grenier.console.worker_pool import WorkerError

MAX_DOC = 16 * 1024**2
MAX_CHILDREN = 500
ROOTS = ("zarr.json", ".zmetadata", ".zgroup")
WORKER_MODULES = ("xarray", "zarr", "s3fs", "matplotlib")


class Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def _cache(request: web.Request) -> Lru:
    found = state(request).cache.get("datasets")
    if found is None:
        found = state(request).cache["datasets"] = Lru(128)
    return found


def missing_modules() -> list[str]:
    return [m for m in WORKER_MODULES if importlib.util.find_spec(m) is None]


async def _document(c: UserConnection, bucket: str, key: str) -> tuple[Any, str] | None:
    """(parsed JSON, ETag) of a metadata object, or None when it does not exist."""

    def fetch() -> tuple[Any, str]:
        found = c.s3_client.get_object(Bucket=bucket, Key=key)
        raw = found["Body"].read(MAX_DOC + 1)
        if len(raw) > MAX_DOC:
            raise ClientError(f"{key}: metadata document too large", code="EntityTooLarge")
        return json.loads(raw), str(found.get("ETag", ""))

    try:
        return await c.call(f"read {bucket}/{key}", fetch)
    except ClientError as exc:
        if exc.code == "NoSuchKey":
            return None
        raise


async def _children(c: UserConnection, bucket: str, root: str) -> list[str]:
    page = await c.s3(
        f"list {bucket}/{root}",
        "list_objects_v2",
        Bucket=bucket,
        Prefix=f"{root}/" if root else "",
        Delimiter="/",
        MaxKeys=MAX_CHILDREN,
    )
    return [p["Prefix"].rstrip("/").rsplit("/", 1)[-1] for p in page.get("CommonPrefixes", [])]


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


async def _zarr_v3(c: UserConnection, bucket: str, root: str, doc: Any) -> dict[str, Any]:
    if doc.get("node_type") == "array":
        return zarrmeta.describe(
            "Zarr v3 array", False, {}, [zarrmeta.variable_v3(root.rsplit("/", 1)[-1], doc)]
        )
    if (doc.get("consolidated_metadata") or {}).get("metadata") is not None:
        return zarrmeta.from_v3(doc, None)
    names = await _children(c, bucket, root)
    docs = await asyncio.gather(
        *(_document(c, bucket, _join(root, f"{n}/zarr.json")) for n in names)
    )
    return zarrmeta.from_v3(doc, {n: d[0] for n, d in zip(names, docs, strict=True) if d})


async def _zarr_v2(c: UserConnection, bucket: str, root: str) -> dict[str, Any]:
    attrs = await _document(c, bucket, _join(root, ".zattrs"))
    meta: dict[str, Any] = {".zattrs": attrs[0] if attrs else {}}
    names = await _children(c, bucket, root)
    for leaf in (".zarray", ".zattrs"):
        docs = await asyncio.gather(
            *(_document(c, bucket, _join(root, f"{n}/{leaf}")) for n in names)
        )
        meta.update({f"{n}/{leaf}": d[0] for n, d in zip(names, docs, strict=True) if d})
    return zarrmeta.from_v2(meta, consolidated=False)


async def zarr_description(
    c: UserConnection, bucket: str, root: str
) -> tuple[dict[str, Any], str] | None:
    """(description, version) of the Zarr group at ``root``, or None if there is none."""
    found = await _document(c, bucket, _join(root, "zarr.json"))
    if found is not None:
        return await _zarr_v3(c, bucket, root, found[0]), found[1]
    found = await _document(c, bucket, _join(root, ".zmetadata"))
    if found is not None:
        return zarrmeta.from_v2(found[0].get("metadata", {}), consolidated=True), found[1]
    found = await _document(c, bucket, _join(root, ".zgroup"))
    if found is not None:
        return await _zarr_v2(c, bucket, root), found[1]
    return None


async def version_of(c: UserConnection, bucket: str, key: str) -> tuple[str, str]:
    """(kind, version): a signed HEAD of the root document (or of the netCDF object)."""
    candidates = [("zarr", _join(key, name)) for name in ROOTS]
    if is_netcdf(key):
        candidates.insert(0, ("netcdf", key))
    for kind, name in candidates:
        try:
            head = await c.s3(f"read {bucket}/{name}", "head_object", Bucket=bucket, Key=name)
        except ClientError as exc:
            if exc.code == "NoSuchKey":
                continue
            raise
        return kind, str(head.get("ETag", ""))
    raise ClientError(f"{bucket}/{key}: not a Zarr dataset or a netCDF object", code="NoSuchKey")


def _task(request: web.Request, name: str, kind: str, bucket: str, key: str) -> dict[str, Any]:
    c = conn(request)
    settings = state(request).settings
    return {
        "task": name,
        "kind": kind,
        "endpoint": settings.s3_url,
        "access_key": c.alias.access_key,
        "secret_key": c.alias.secret_key,
        "region": c.alias.region,
        "bucket": bucket,
        "key": key,
        "max_bytes": settings.quicklook_max_bytes,
    }


async def _worker(
    request: web.Request, cache_key: Any, task: dict[str, Any]
) -> tuple[dict[str, Any], bytes]:
    cache = _cache(request)
    found: tuple[dict[str, Any], bytes] | None = cache.get(cache_key)
    if found is None:
        found = await state(request).worker.call(task)
        cache.put(cache_key, found)
    return found


async def page(request: web.Request) -> web.Response:
    bucket, key = bucket_of(request), request_key(request).rstrip("/")
    c = conn(request)
    kind, version = await version_of(c, bucket, key)
    description: dict[str, Any] | None = None
    ranges: dict[str, Any] = {}
    note = ""
    missing = missing_modules()
    try:
        if kind == "zarr":
            found = await zarr_description(c, bucket, key)
            if found is None:
                raise ClientError(f"{bucket}/{key}: not a Zarr dataset", code="NoSuchKey")
            description, version = found
            if not missing:
                answer, _ = await _worker(
                    request,
                    ("ranges", bucket, key, version),
                    _task(request, "ranges", kind, bucket, key),
                )
                ranges = answer["ranges"]
        elif not missing:
            answer, _ = await _worker(
                request,
                ("describe", bucket, key, version),
                _task(request, "describe", kind, bucket, key),
            )
            description, ranges = answer["description"], answer["ranges"]
    except WorkerError as exc:
        note = str(exc)
    if missing:
        note = f"Install the data extra (pip install 'grenier[data]') for coordinate ranges, netCDF headers and quick-looks: {', '.join(missing)} missing."
    plottable = zarrmeta.plottable(description) if description else []
    chosen = next((v for v in plottable if v["name"] == request.query.get("var")), None)
    chosen = chosen or (plottable[0] if plottable else None)
    index = {d: _index(request, d) for d in (chosen["dims"][:-2] if chosen else [])}
    quicklook = ""
    if chosen and not missing:
        query = {"var": chosen["name"], **{f"i.{d}": str(i) for d, i in index.items()}}
        quicklook = key_url("quicklook", bucket, key, **query)
    return await render(
        request,
        "dataset.html",
        bucket=bucket,
        key=key,
        kind=kind,
        crumbs=crumbs(bucket, key),
        description=description,
        ranges=ranges,
        note=note,
        plottable=plottable,
        chosen=chosen,
        index=index,
        quicklook=quicklook,
        endpoint=public_url(request),
        browse_url=key_url("browser", bucket, key + "/")
        if kind == "zarr"
        else key_url("object", bucket, key),
    )


def _index(request: web.Request, dim: str) -> int:
    try:
        return int(request.query.get(f"i.{dim}", "0"))
    except ValueError:
        return 0


async def quicklook(request: web.Request) -> web.Response:
    bucket, key = bucket_of(request), request_key(request).rstrip("/")
    variable = request.query.get("var", "")
    index = {k[2:]: _index(request, k[2:]) for k in request.query if k.startswith("i.")}
    c = conn(request)
    kind, version = await version_of(c, bucket, key)
    missing = missing_modules()
    if missing:
        return web.Response(
            status=501,
            text=f"quick-looks need the data extra: pip install 'grenier[data]' ({', '.join(missing)} missing)",
        )
    task = {**_task(request, "quicklook", kind, bucket, key), "variable": variable, "index": index}
    cache_key = ("quicklook", bucket, key, version, variable, tuple(sorted(index.items())))
    try:
        _, png = await _worker(request, cache_key, task)
    except WorkerError as exc:
        return web.Response(status=422, text=f"quick-look: {exc}")
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=300"}
    )
