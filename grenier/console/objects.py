"""One object: details (size, type, metadata, tags, versions, checksums, retention),
download (streamed through with the user's signature), share links, tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from grenier.client.config import Alias
from grenier.client.errors import ClientError
from grenier.client.session import Session as ClientSession
from grenier.client.share import share_download
from grenier.client.units import parse_duration
from grenier.console.browse import crumbs, is_netcdf
from grenier.console.web import (
    attempt,
    bucket_of,
    conn,
    flash,
    key_url,
    render,
    request_key,
    see_other,
    state,
)

CHECKSUMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
MAX_VERSIONS = 200
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


async def _optional(coro: Any) -> Any:
    """An answer that may be refused or absent without failing the page (None then)."""
    try:
        return await coro
    except ClientError:
        return None


def parse_tags(text: str) -> list[dict[str, str]]:
    """``key=value`` lines (blank lines ignored) → an S3 TagSet."""
    tags = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ClientError(f"tag line {line!r}: expected key=value", code="InvalidTag")
        tags.append({"Key": name.strip(), "Value": value.strip()})
    return tags


async def details(request: web.Request) -> web.Response:
    bucket, key = bucket_of(request), request_key(request)
    version = request.query.get("versionId", "")
    what = f"{bucket}/{key}"
    c = conn(request)
    ids = {"VersionId": version} if version else {}
    head = await c.s3(what, "head_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED", **ids)
    tags = await _optional(c.s3(what, "get_object_tagging", Bucket=bucket, Key=key, **ids))
    listed = await _optional(
        c.s3(what, "list_object_versions", Bucket=bucket, Prefix=key, MaxKeys=MAX_VERSIONS)
    )
    retention = await _optional(c.s3(what, "get_object_retention", Bucket=bucket, Key=key, **ids))
    versions = []
    if listed is not None:
        for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            if entry.get("Key") == key:
                versions.append({**entry, "marker": "Size" not in entry})
        versions.sort(key=lambda v: v.get("LastModified") or 0, reverse=True)
    checksums = {n: head[f"Checksum{n}"] for n in CHECKSUMS if head.get(f"Checksum{n}")}
    return await render(
        request,
        "object.html",
        bucket=bucket,
        key=key,
        version=version,
        crumbs=crumbs(bucket, key),
        head=head,
        checksums=checksums,
        tags=None if tags is None else tags.get("TagSet", []),
        versions=versions if len(versions) > 1 or version else [],
        retention=(retention or {}).get("Retention"),
        netcdf=is_netcdf(key),
        share=None,
    )


def _disposition(key: str) -> str:
    name = key.rstrip("/").rsplit("/", 1)[-1] or "download"
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}"


async def download(request: web.Request) -> web.StreamResponse:
    bucket, key = bucket_of(request), request_key(request)
    version = request.query.get("versionId", "")
    upstream = await conn(request).send(
        "GET",
        bucket,
        key,
        f"download {bucket}/{key}",
        query={"versionId": version} if version else None,
    )
    try:
        out = web.StreamResponse(
            headers={
                "Content-Type": upstream.headers.get("Content-Type", "application/octet-stream"),
                "Content-Disposition": _disposition(key),
                "Content-Security-Policy": "sandbox; default-src 'none'",
                "ETag": upstream.headers.get("ETag", ""),
            }
        )
        if upstream.content_length is not None:
            out.content_length = upstream.content_length
        await out.prepare(request)
        async for chunk in upstream.content.iter_chunked(1024 * 1024):
            await out.write(chunk)
        await out.write_eof()
        return out
    finally:
        upstream.release()


def public_url(request: web.Request) -> str:
    """The S3 URL the user's machine reaches, for share links and snippets."""
    settings = state(request).settings
    if settings.public_s3_url:
        return settings.public_s3_url
    s3 = urlsplit(settings.s3_url)
    browser_host = request.url.host or ""
    if s3.hostname in LOOPBACK and browser_host and browser_host not in LOOPBACK:
        host = f"[{browser_host}]" if ":" in browser_host else browser_host
        return f"{s3.scheme}://{host}:{s3.port}"
    return settings.s3_url


async def share(request: web.Request) -> web.Response:
    bucket, key = bucket_of(request), request_key(request)
    form = await request.post()
    c = conn(request)
    try:
        expire = parse_duration(str(form.get("expire", "1d")))
        url = public_url(request)
        alias = Alias("share", url, c.alias.access_key, c.alias.secret_key, c.alias.region)
        shared = share_download(ClientSession(alias, c.presigner(url)), bucket, key, expire)
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other(key_url("object", bucket, key))
    return await render(
        request,
        "shared.html",
        bucket=bucket,
        key=key,
        crumbs=crumbs(bucket, key),
        url=shared.url,
        expires=shared.expires,
        expire_text=_human(expire),
    )


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n > 1 else ''}"
    return f"{seconds} seconds"


async def set_tags(request: web.Request) -> web.Response:
    bucket, key = bucket_of(request), request_key(request)
    form = await request.post()
    version = str(form.get("versionId", ""))
    ids = {"VersionId": version} if version else {}
    c = conn(request)

    async def work() -> None:
        tags = parse_tags(str(form.get("tags", "")))
        what = f"tag {bucket}/{key}"
        if tags:
            await c.s3(
                what, "put_object_tagging", Bucket=bucket, Key=key, Tagging={"TagSet": tags}, **ids
            )
        else:
            await c.s3(what, "delete_object_tagging", Bucket=bucket, Key=key, **ids)

    back = key_url("object", bucket, key, versionId=version)
    return await attempt(request, back, "Tags saved", work())
