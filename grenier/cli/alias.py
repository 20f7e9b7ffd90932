"""`grenier alias set|list|remove|import`: where endpoints and their keys are kept."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grenier.cli.output import get_output, output_options
from grenier.client.config import (
    Alias,
    AliasError,
    config_path,
    env_alias_names,
    get_alias,
    list_aliases,
    remove_alias,
    set_alias,
    validate_url,
)
from grenier.client.mcimport import mc_config_path, read_mc_aliases


def mask(key: str) -> str:
    """Show that a key is set without showing it."""
    return "" if not key else key[:3] + "*" * 5


def _describe(alias: Alias, source: str) -> dict[str, str]:
    return {
        "alias": alias.name,
        "url": alias.url,
        "accessKey": mask(alias.access_key),
        "anonymous": "true" if alias.anonymous else "false",
        "api": alias.api,
        "path": alias.path,
        "source": source,
    }


def _text(alias: Alias, source: str) -> str:
    who = "anonymous (read-only)" if alias.anonymous else f"AccessKey {mask(alias.access_key)}"
    extra = " [from environment]" if source == "env" else ""
    return f"{alias.name}\n  URL       : {alias.url}\n  Auth      : {who}{extra}\n  API       : {alias.api}"


@click.group("alias")
def alias() -> None:
    """Manage aliases: named endpoints with their keys (like mc alias)."""


def _ask(label: str, hidden: bool) -> str:
    """One prompt; the secret is hidden on a terminal, read as a plain line from a pipe."""
    if sys.stdin.isatty():
        return str(click.prompt(label, default="", show_default=False, hide_input=hidden))
    click.echo(f"{label}: ", nl=False, err=True)
    line = sys.stdin.readline()
    click.echo("", err=True)
    return line.rstrip("\r\n")


def _prompt_keys() -> tuple[str, str]:
    """Ask for both keys; Enter at both prompts makes an anonymous alias."""
    return _ask("Enter Access Key", False).strip(), _ask("Enter Secret Key", True).strip()


@alias.command("set")
@click.argument("name")
@click.argument("url")
@click.argument("access_key", required=False)
@click.argument("secret_key", required=False)
@click.option("--api", default="s3v4", show_default=True, help="Signature version (s3v4).")
@click.option("--path", "path_style", default="auto", help="Addressing style (always path-style).")
@output_options
def alias_set(
    name: str, url: str, access_key: str | None, secret_key: str | None, api: str, path_style: str
) -> None:
    """Add or update an alias. Keys are prompted for when omitted; press Enter twice for
    anonymous (read-only) access."""
    if "/" in name or not name:
        raise AliasError(f"invalid alias name {name!r}")
    url = validate_url(url)
    if access_key is None:
        access_key, secret_key = _prompt_keys()
    elif secret_key is None:
        secret_key = _ask("Enter Secret Key", True).strip()
    entry = Alias(
        name=name,
        url=url,
        access_key=access_key,
        secret_key=secret_key or "",
        api=api,
        path=path_style,
    )
    if bool(entry.access_key) != bool(entry.secret_key):
        raise AliasError("give both an access key and a secret key, or neither (anonymous)")
    set_alias(entry)
    kind = "anonymous alias" if entry.anonymous else "alias"
    get_output().record(_describe(entry, "file"), f"Added {kind} `{name}` successfully.")


@alias.command("list")
@click.argument("name", required=False)
@output_options
def alias_list(name: str | None) -> None:
    """List aliases (or show one). Secret keys are never shown."""
    out = get_output()
    aliases = {name: get_alias(name)} if name else list_aliases()
    from_env = env_alias_names()
    for item in sorted(aliases.values(), key=lambda a: a.name):
        source = "env" if item.name in from_env else "file"
        out.record(_describe(item, source), _text(item, source))


@alias.command("remove")
@click.argument("name")
@output_options
def alias_remove(name: str) -> None:
    """Remove an alias from the config file."""
    remove_alias(name)
    get_output().record({"alias": name, "removed": True}, f"Removed `{name}` successfully.")


@alias.command("import")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="mc config file [default: ~/.mc/config.json, or $MC_CONFIG_DIR].",
)
@click.option("--overwrite", is_flag=True, help="Replace aliases that already exist.")
@click.argument("names", nargs=-1)
@output_options
def alias_import(source: Path | None, overwrite: bool, names: tuple[str, ...]) -> None:
    """Import aliases (all, or NAMES) from an mc configuration."""
    out = get_output()
    path = source or mc_config_path()
    existing = set(list_aliases())
    imported = 0
    for entry in read_mc_aliases(path):
        if names and entry.name not in names:
            continue
        if entry.name in existing and not overwrite:
            out.warn(f"alias {entry.name!r} already exists, kept (use --overwrite)")
            continue
        set_alias(entry)
        imported += 1
        out.record(
            {**_describe(entry, "file"), "importedFrom": str(path)},
            f"Imported `{entry.name}` ({entry.url}).",
        )
    out.text(f"{imported} alias(es) imported from {path} into {config_path()}.")
