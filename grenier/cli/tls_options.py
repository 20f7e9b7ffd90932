"""``--insecure`` and ``--ca-bundle FILE`` on every command (and before it, like mc's global
flags): they set ``GRENIER_INSECURE`` / ``GRENIER_CA_BUNDLE``, which every transport of the
client reads (``grenier.client.tls``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from grenier.client.tls import CA_BUNDLE_ENV, INSECURE_ENV

F = TypeVar("F", bound=Callable[..., Any])


def _insecure(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        os.environ[INSECURE_ENV] = "1"


def _ca_bundle(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        if not os.path.isfile(value):
            raise click.BadParameter(f"no such file: {value}", param_hint="--ca-bundle")
        os.environ[CA_BUNDLE_ENV] = os.path.abspath(value)


def tls_options(func: F) -> F:
    func = click.option(
        "--insecure",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_insecure,
        help="Do not verify the server's TLS certificate (self-signed test setups).",
    )(func)
    func = click.option(
        "--ca-bundle",
        metavar="FILE",
        expose_value=False,
        is_eager=True,
        callback=_ca_bundle,
        help="Trust the CA certificates in FILE (PEM) for HTTPS.",
    )(func)
    return func
