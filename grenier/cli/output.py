"""How commands talk to the user: text lines, ``--json`` records, ``--quiet``, errors.

Every command gets ``--json`` and ``--quiet`` (also accepted before the command:
``grenier --json ls``). With ``--json`` each result is one JSON object per line on
stdout, and an error is ``{"status": "error", "error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from grenier.client.errors import ClientError

F = TypeVar("F", bound=Callable[..., Any])
_META = "grenier.output"
FLUSH_EVERY = 0.2


class Output:
    def __init__(self, as_json: bool = False, quiet: bool = False) -> None:
        self.json = as_json
        self.quiet = quiet
        self.tty = sys.stdout.isatty()
        self.printer: Callable[[str], None] | None = None
        self.failures = 0
        self._flushed = 0.0

    @property
    def fancy(self) -> bool:
        """Progress bars and other TTY-only decoration are allowed."""
        return self.tty and not self.json and not self.quiet

    def record(self, data: dict[str, Any], text: str | None = None) -> None:
        """One result: a JSON line, or ``text`` (skipped when quiet or None)."""
        if self.json:
            self._write(json.dumps({"status": "success", **data}, default=_jsonable))
        elif text is not None and not self.quiet:
            self._write(text)

    def text(self, line: str) -> None:
        if not self.json and not self.quiet:
            self._write(line)

    def error(self, err: ClientError) -> None:
        self.failures += 1
        if self.json:
            body = {"status": "error", "error": {"code": err.code, "message": str(err)}}
            self._write(json.dumps(body))
            _flush_stdout()
        else:
            _flush_stdout()
            click.echo(f"grenier: error: {err}", err=True)

    def warn(self, message: str) -> None:
        if self.json:
            self._write(json.dumps({"status": "warning", "message": message}))
        else:
            _flush_stdout()
            click.echo(f"grenier: warning: {message}", err=True)

    def _write(self, line: str) -> None:
        if self.printer is not None:
            self.printer(line)
            return
        # Buffered, flushed at least every FLUSH_EVERY seconds and at exit: one write
        # syscall per line (click.echo flushes each) costs more than a small transfer.
        stream = sys.stdout
        stream.write(line + "\n")
        now = time.monotonic()
        if self.tty or now - self._flushed >= FLUSH_EVERY:
            stream.flush()
            self._flushed = now


def _flush_stdout() -> None:
    """Keep stdout lines before an stderr line when both go to one terminal or file."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _store(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        meta = ctx.find_root().meta.setdefault(_META, {})
        meta[name] = meta.get(name, False) or value

    return callback


def output_options(func: F) -> F:
    """Add ``--json`` and ``--quiet`` (and the TLS options) to a command (or the root group)."""
    func = click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_store("json"),
        help="One JSON object per line (stable field names).",
    )(func)
    func = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_store("quiet"),
        help="Print nothing but errors.",
    )(func)
    from grenier.cli.tls_options import tls_options

    return tls_options(func)


def get_output() -> Output:
    """The Output of the running command (created on first use)."""
    root = click.get_current_context().find_root()
    if "grenier.out" not in root.meta:
        flags = root.meta.get(_META, {})
        root.meta["grenier.out"] = Output(flags.get("json", False), flags.get("quiet", False))
    out: Output = root.meta["grenier.out"]
    return out


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def stamp(value: datetime | None) -> str:
    """mc's ``[2024-05-01 12:00:00 UTC]`` column."""
    return f"[{value:%Y-%m-%d %H:%M:%S} UTC]" if value else "[" + " " * 23 + "]"
