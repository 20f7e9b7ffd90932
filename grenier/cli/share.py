"""`grenier share download|upload`: presigned URLs for people without keys."""

from __future__ import annotations

import click

from grenier.cli.output import get_output, iso, output_options
from grenier.client.errors import ClientError
from grenier.client.paths import parse_remote
from grenier.client.session import connect
from grenier.client.share import share_download, share_upload
from grenier.client.units import parse_duration


@click.group("share")
def share() -> None:
    """Presigned URLs: let someone download or upload one object without keys."""


def _object(arg: str) -> tuple[str, str, str]:
    path = parse_remote(arg)
    if not path.bucket or not path.key or path.key.endswith("/"):
        raise ClientError(f"{arg}: expected ALIAS/BUCKET/KEY", code="BadPath")
    return path.alias, path.bucket, path.key


def _expire_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "-E",
        "--expire",
        default="168h",
        show_default=True,
        help="Validity of the URL (max 7d), e.g. 1h, 30m, 2d.",
    )(func)


@share.command("download")
@click.argument("path")
@_expire_option
@output_options
def download(path: str, expire: str) -> None:
    """A presigned GET URL for ALIAS/BUCKET/KEY."""
    alias, bucket, key = _object(path)
    link = share_download(connect(alias), bucket, key, parse_duration(expire))
    text = f"URL: {path}\nExpire: {expire}\nShare: {link.url}"
    get_output().record(
        {"url": path, "share": link.url, "expiresAt": iso(link.expires), "expire": expire}, text
    )


@share.command("upload")
@click.argument("path")
@_expire_option
@output_options
def upload(path: str, expire: str) -> None:
    """A presigned PUT URL for ALIAS/BUCKET/KEY, and the curl line that uses it."""
    alias, bucket, key = _object(path)
    link = share_upload(connect(alias), bucket, key, parse_duration(expire))
    text = f"URL: {path}\nExpire: {expire}\nShare: {link.share}"
    get_output().record(
        {
            "url": path,
            "share": link.url,
            "curl": link.share,
            "expiresAt": iso(link.expires),
            "expire": expire,
        },
        text,
    )
