"""Deleting, always through a confirmation page: selected objects, one version, every
version of a key, a whole prefix (optionally with its old versions), an empty bucket.

``GET /delete/BUCKET?key=K&key=...|prefix=P|bucket=1[&versionId=V]`` shows what will go;
the page's form POSTs the same fields (plus the CSRF token) to ``/delete/BUCKET``.
Deletions go by DeleteObjects batches of 1000, so a large prefix costs few requests.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.connection import UserConnection
from grenier.console.web import attempt, bucket_of, conn, flash, key_url, render, see_other

BATCH = 1000
PREVIEW = 50


def _parent(key: str) -> str:
    head, sep, _ = key.rstrip("/").rpartition("/")
    return head + sep


async def confirm(request: web.Request) -> web.Response:
    bucket = bucket_of(request)
    keys = request.query.getall("key", [])
    prefix = request.query.get("prefix", "")
    whole = request.query.get("bucket") == "1"
    c = conn(request)
    count, more = len(keys), False
    if prefix:
        page = await c.s3(
            f"list {bucket}/{prefix}",
            "list_objects_v2",
            Bucket=bucket,
            Prefix=prefix,
            MaxKeys=BATCH,
        )
        keys = [o["Key"] for o in page.get("Contents", [])]
        count, more = len(keys), bool(page.get("IsTruncated"))
    versioning = await c.s3(f"versioning of {bucket}", "get_bucket_versioning", Bucket=bucket)
    if not (keys or prefix or whole):
        raise ClientError("nothing selected to delete", code="InvalidRequest")
    return await render(
        request,
        "delete.html",
        bucket=bucket,
        keys=keys[:PREVIEW],
        count=count,
        more=more,
        prefix=prefix,
        whole=whole,
        version=request.query.get("versionId", ""),
        versioned=versioning.get("Status") in ("Enabled", "Suspended"),
        back=key_url("browser", bucket, prefix or _parent(keys[0]) if keys else ""),
    )


async def _delete_batch(c: UserConnection, bucket: str, items: list[dict[str, str]]) -> int:
    """DeleteObjects; returns how many were refused."""
    if not items:
        return 0
    found = await c.s3(
        f"delete in {bucket}",
        "delete_objects",
        Bucket=bucket,
        Delete={"Objects": items, "Quiet": True},
    )
    return len(found.get("Errors", []))


async def _versions(c: UserConnection, bucket: str, prefix: str, exact: bool) -> Any:
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": BATCH}
    while True:
        page = await c.s3(f"list versions in {bucket}", "list_object_versions", **params)
        batch = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if not exact or v["Key"] == prefix
        ]
        yield batch
        if not page.get("IsTruncated"):
            return
        params["KeyMarker"] = page["NextKeyMarker"]
        params["VersionIdMarker"] = page.get("NextVersionIdMarker", "")


async def _current(c: UserConnection, bucket: str, prefix: str) -> Any:
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": BATCH}
    while True:
        page = await c.s3(f"list {bucket}/{prefix}", "list_objects_v2", **params)
        yield [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return
        params["ContinuationToken"] = page["NextContinuationToken"]


async def _delete_all(
    c: UserConnection, bucket: str, keys: list[str], prefix: str, version: str, versions: bool
) -> tuple[int, int]:
    """(deleted, refused) for the selection."""
    done = refused = 0
    if version and keys:
        await c.s3(
            f"delete {bucket}/{keys[0]}",
            "delete_object",
            Bucket=bucket,
            Key=keys[0],
            VersionId=version,
        )
        return 1, 0
    sources = []
    if prefix:
        sources.append(
            _versions(c, bucket, prefix, False) if versions else _current(c, bucket, prefix)
        )
    for key in keys:
        sources.append(_versions(c, bucket, key, True) if versions else _single(key))
    for source in sources:
        async for batch in source:
            failed = await _delete_batch(c, bucket, batch)
            done, refused = done + len(batch) - failed, refused + failed
    return done, refused


async def _single(key: str) -> Any:
    yield [{"Key": key}]


async def delete(request: web.Request) -> web.Response:
    bucket = bucket_of(request)
    form = await request.post()
    keys = [str(k) for k in form.getall("key", [])]
    prefix = str(form.get("prefix", ""))
    version = str(form.get("versionId", ""))
    versions = form.get("versions") == "on"
    c = conn(request)
    if form.get("bucket") == "1":
        work = c.s3(f"delete bucket {bucket}", "delete_bucket", Bucket=bucket)
        return await attempt(
            request, "/browser/", f"Bucket {bucket} deleted", work, key_url("browser", bucket)
        )
    back = key_url(
        "browser", bucket, _parent(prefix) if prefix else _parent(keys[0]) if keys else ""
    )
    try:
        done, refused = await _delete_all(c, bucket, keys, prefix, version, versions)
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other(back)
    message = f"Deleted {done} object{'s' if done != 1 else ''}"
    if refused:
        message += f"; {refused} refused (access denied or locked)"
    flash(request, "error" if refused else "ok", message)
    return see_other(back)
