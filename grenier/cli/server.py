"""`grenier server`: start the S3 server (the implementation lives in grenier.server)."""

from __future__ import annotations

import click


@click.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    }
)
@click.pass_context
def server(ctx: click.Context) -> None:
    """Start the Grenier S3 server: grenier server [DATA_DIR] [--address HOST:PORT]."""
    from grenier.server.main import run

    raise SystemExit(run(list(ctx.args)))
