"""The `grenier` command: a click group; each command family lives in its own module."""

from __future__ import annotations

import click

from grenier import __version__
from grenier.cli.server import server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grenier")
def cli() -> None:
    """Grenier: S3-compatible object storage, an mc-style client and Zarr datasets."""


cli.add_command(server)


def main() -> None:
    cli()
