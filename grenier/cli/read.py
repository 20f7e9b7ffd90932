"""`grenier stat`, `cat`, `head`: look at one object (or bucket) without downloading it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from grenier.cli.output import get_output, iso, output_options
from grenier.client.errors import errors
from grenier.client.objects import head as head_object
from grenier.client.paths import LocalPath, RemotePath, parse_any
from grenier.client.session import connect
from grenier.client.units import human_size

CHUNK = 1024 * 1024


def _object_stat(path: RemotePath, version_id: str) -> tuple[dict[str, Any], str]:
    info = head_object(connect(path.alias), path.bucket, path.key, version_id)
    data = {
        "type": "file",
        "name": str(path),
        "size": int(info.get("ContentLength", 0)),
        "lastModified": iso(info.get("LastModified")),
        "etag": str(info.get("ETag", "")).strip('"'),
        "contentType": info.get("ContentType", ""),
        "versionId": info.get("VersionId", ""),
        "metadata": info.get("Metadata", {}),
    }
    lines = [
        f"Name      : {data['name']}",
        f"Date      : {data['lastModified']}",
        f"Size      : {human_size(data['size'])} ({data['size']} bytes)",
        f"ETag      : {data['etag']}",
        f"Type      : {data['type']}",
        f"Content   : {data['contentType']}",
    ]
    if data["versionId"]:
        lines.append(f"VersionID : {data['versionId']}")
    lines += [f"Metadata  : {k}={v}" for k, v in sorted(data["metadata"].items())]
    return data, "\n".join(lines)


def _bucket_stat(path: RemotePath) -> tuple[dict[str, Any], str]:
    session = connect(path.alias)
    with errors(f"stat {path}"):
        session.s3.head_bucket(Bucket=path.bucket)
    versioning = ""
    try:
        with errors(f"versioning {path}"):
            versioning = session.s3.get_bucket_versioning(Bucket=path.bucket).get("Status", "")
    except Exception:
        versioning = "unknown"
    data = {"type": "bucket", "name": str(path), "versioning": versioning or "Off"}
    return data, f"Name      : {path}\nType      : bucket\nVersioning: {data['versioning']}"


def _local_stat(path: Path) -> tuple[dict[str, Any], str]:
    st = path.stat()
    data = {"type": "folder" if path.is_dir() else "file", "name": str(path), "size": st.st_size}
    return (
        data,
        f"Name      : {path}\nSize      : {human_size(st.st_size)}\nType      : {data['type']}",
    )


@click.command("stat")
@click.argument("paths", nargs=-1, required=True)
@click.option("--version-id", default="", help="Stat this version of the object.")
@output_options
def stat(paths: tuple[str, ...], version_id: str) -> None:
    """Show an object's size, date, ETag, content type and metadata (or a bucket's state)."""
    out = get_output()
    for arg in paths:
        target = parse_any(arg)
        if isinstance(target, LocalPath):
            with errors(f"stat {arg}"):
                data, text = _local_stat(target.path)
        elif not target.key:
            data, text = _bucket_stat(target)
        else:
            data, text = _object_stat(target, version_id)
        out.record(data, text)


def _open(arg: str, version_id: str = "") -> Iterator[bytes]:
    target = parse_any(arg)
    if isinstance(target, LocalPath):
        with errors(f"cat {arg}"), open(target.path, "rb") as fh:
            yield from iter(lambda: fh.read(CHUNK), b"")
        return
    session = connect(target.alias)
    extra = {"VersionId": version_id} if version_id else {}
    with errors(f"cat {arg}"):
        body = session.s3.get_object(Bucket=target.bucket, Key=target.key, **extra)["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()


def _stdout() -> BinaryIO:
    return sys.stdout.buffer


@click.command("cat")
@click.argument("paths", nargs=-1, required=True)
@click.option("--version-id", default="", help="Read this version of the object.")
def cat(paths: tuple[str, ...], version_id: str) -> None:
    """Write objects (or files) to stdout, streamed."""
    sink = _stdout()
    for arg in paths:
        for chunk in _open(arg, version_id):
            sink.write(chunk)
    sink.flush()


@click.command("head")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-n",
    "--lines",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Number of lines to print.",
)
def head(paths: tuple[str, ...], lines: int) -> None:
    """Print the first lines of objects (reads only what it needs)."""
    sink = _stdout()
    for arg in paths:
        left = lines
        chunks = _open(arg)
        for chunk in chunks:
            if left <= 0:
                break
            cut = 0
            while left > 0 and cut < len(chunk):
                found = chunk.find(b"\n", cut)
                cut = len(chunk) if found < 0 else found + 1
                left -= found >= 0
            sink.write(chunk[:cut])
        chunks.close()  # type: ignore[attr-defined]
    sink.flush()
