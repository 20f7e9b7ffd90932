"""The root group class: one error line and a non-zero exit for every user error.

Client errors, alias errors, Ctrl-C and broken pipes are caught here, once, so no
command prints a Python traceback for something the user can fix.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click

from grenier.cli.output import get_output
from grenier.client.config import AliasError
from grenier.client.errors import Cancelled, ClientError

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


class CommandFailed(click.exceptions.Exit):
    """Some items failed and were already reported: exit 1 with nothing more to say."""

    def __init__(self) -> None:
        super().__init__(EXIT_FAILURE)


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


class GrenierGroup(click.Group):
    """A click group that turns user errors into one line (or one JSON record)."""

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is None and hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, _sigterm)
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # records are buffered (see Output._write)
        except (ClientError, AliasError) as exc:
            err = exc if isinstance(exc, ClientError) else ClientError(str(exc), code="AliasError")
            get_output().error(err)
            raise click.exceptions.Exit(EXIT_FAILURE) from None
        except KeyboardInterrupt:
            get_output().error(Cancelled())
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(EXIT_FAILURE) from None


def _silence_stdout() -> None:
    """After EPIPE (``grenier cat x | head``), keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def finish(ok: bool) -> None:
    """End a command: exit 1 when anything failed (errors already printed)."""
    if not ok or get_output().failures:
        raise CommandFailed()
