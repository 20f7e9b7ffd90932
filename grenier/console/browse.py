"""Buckets and listings: ``/browser/`` (every bucket), ``/browser/BUCKET/PREFIX`` (one level
of a bucket, with continuation-token pagination, so a prefix of millions of keys costs one
page at a time), and bucket creation."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grenier.console.web import attempt, bucket_of, conn, key_url, render, request_key, state

ZARR_MARKERS = frozenset({"zarr.json", ".zgroup", ".zmetadata"})
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf", ".h5", ".hdf5")


def is_netcdf(key: str) -> bool:
    return key.lower().endswith(NETCDF_SUFFIXES)


async def buckets(request: web.Request) -> web.Response:
    found = await conn(request).s3("list buckets", "list_buckets")
    return await render(request, "buckets.html", buckets=found.get("Buckets", []))


def crumbs(bucket: str, prefix: str) -> list[tuple[str, str]]:
    """(label, URL) for the bucket and each folder of ``prefix``."""
    out = [(bucket, key_url("browser", bucket))]
    if not prefix:
        return out
    parts = prefix.split("/")
    for i, part in enumerate(parts[:-1] if prefix.endswith("/") else parts):
        upto = "/".join(parts[: i + 1]) + "/"
        out.append((part or "(empty)", key_url("browser", bucket, upto)))
    return out


def _params(request: web.Request, prefix: str, bucket: str, size: int) -> dict[str, Any]:
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": size}
    token, start = request.query.get("token", ""), request.query.get("start", "")
    if token:
        params["ContinuationToken"] = token
    elif start:
        params["StartAfter"] = prefix + start
    return params


async def listing(request: web.Request) -> web.Response:
    bucket = bucket_of(request)
    prefix = request_key(request)
    size = state(request).settings.page_size
    page = await conn(request).s3(
        f"list {bucket}/{prefix}", "list_objects_v2", **_params(request, prefix, bucket, size)
    )
    folders = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    files = page.get("Contents", [])
    names = {f["Key"][len(prefix) :] for f in files}
    dataset = bool(ZARR_MARKERS & names) and (prefix == "" or prefix.endswith("/"))
    next_token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
    return await render(
        request,
        "listing.html",
        bucket=bucket,
        prefix=prefix,
        crumbs=crumbs(bucket, prefix),
        folders=folders,
        files=files,
        dataset_url=key_url("dataset", bucket, prefix.rstrip("/")) if dataset else "",
        is_netcdf=is_netcdf,
        next_url=key_url("browser", bucket, prefix, token=next_token) if next_token else "",
        first_url=key_url("browser", bucket, prefix)
        if request.query.get("token") or request.query.get("start")
        else "",
        start=request.query.get("start", ""),
    )


async def create_bucket(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("bucket", "")).strip()
    versioning = form.get("versioning") == "on"
    connection = conn(request)
    region = state(request).settings.region

    async def work() -> None:
        params: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        await connection.s3(f"create bucket {name}", "create_bucket", **params)
        if versioning:
            await connection.s3(
                f"enable versioning on {name}",
                "put_bucket_versioning",
                Bucket=name,
                VersioningConfiguration={"Status": "Enabled"},
            )

    if not name:
        return await attempt(request, "/browser/", "", _fail("a bucket name is required"))
    return await attempt(
        request, key_url("browser", name), f"Bucket {name} created", work(), "/browser/"
    )


async def _fail(message: str) -> None:
    from grenier.client.errors import ClientError

    raise ClientError(message, code="InvalidBucketName")
