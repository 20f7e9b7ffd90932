"""The `grenier` command: a click group; each command family lives in its own module.

Adding a family is one import and one ``cli.add_command``. Nothing here imports boto3 or
rich: they load inside the commands that need them, so ``grenier --help`` and
``grenier server`` start fast.
"""

from __future__ import annotations

import click

from grenier import __version__
from grenier.cli.admin import admin
from grenier.cli.alias import alias
from grenier.cli.anonymous import anonymous
from grenier.cli.base import GrenierGroup
from grenier.cli.bucket import mb, rb
from grenier.cli.completion import completion
from grenier.cli.cp import cp, mv
from grenier.cli.dataset import dataset
from grenier.cli.du import du, find
from grenier.cli.health import ping, ready
from grenier.cli.ilm import ilm
from grenier.cli.ls import ls, tree
from grenier.cli.mirror import diff, mirror
from grenier.cli.output import output_options
from grenier.cli.pipe import pipe
from grenier.cli.quota import quota
from grenier.cli.read import cat, head, stat
from grenier.cli.rm import rm
from grenier.cli.server import server
from grenier.cli.share import share
from grenier.cli.undo import undo
from grenier.cli.version import version


@click.group(cls=GrenierGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grenier")
@output_options
def cli() -> None:
    """Grenier: S3-compatible object storage, an mc-style client and Zarr datasets."""


cli.add_command(server)
cli.add_command(admin)
cli.add_command(anonymous)
cli.add_command(version)
cli.add_command(quota)
cli.add_command(ilm)
cli.add_command(undo)
for command in (
    alias,
    ls,
    tree,
    du,
    find,
    stat,
    cat,
    head,
    pipe,
    cp,
    mv,
    rm,
    mb,
    rb,
    mirror,
    diff,
    share,
    ping,
    ready,
    completion,
):
    cli.add_command(command)

cli.add_command(dataset)


def main() -> None:
    cli(prog_name="grenier")
