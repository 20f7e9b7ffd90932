"""`grenier admin account`: tenants of one server (the server's root keys only).

Each account has its own root keys, users, groups, policies and buckets; sharing between
accounts goes through bucket policies and ACLs (docs/access-control.md). The commands
speak Grenier's admin JSON API (:mod:`grenier.client.admin_api`).
"""

from __future__ import annotations

from typing import Any

import click

from grenier.cli.output import get_output, output_options
from grenier.client.admin_api import AdminApi


def _record(op: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {"op": op, **doc}


@click.group("account")
def account() -> None:
    """Accounts (tenants): each with its own root keys, users, policies and buckets."""


@account.command("add")
@click.argument("alias")
@click.argument("name")
@click.option("--email", help="The account's e-mail address (ACL grants by e-mail name it).")
@output_options
def account_add(alias: str, name: str, email: str | None) -> None:
    """Add account NAME; its root access key and secret are shown this once."""
    doc = AdminApi(alias).add_account(name, email)
    text = (
        f"Added account `{doc['account']}` successfully.\n"
        f"Account ID:   {doc['accountId']}\n"
        f"Canonical ID: {doc['canonicalId']}\n"
        f"Access key:   {doc['accessKey']}\n"
        f"Secret key:   {doc['secretKey']}"
    )
    get_output().record(_record("account-add", doc), text)


@account.command("list")
@click.argument("alias")
@output_options
def account_list(alias: str) -> None:
    """List accounts with their id and status."""
    out = get_output()
    for doc in AdminApi(alias).list_accounts():
        line = f"{doc['accountStatus']:<9} {doc['accountId']}  {doc['account']}"
        out.record(_record("account-list", doc), line)


@account.command("info")
@click.argument("alias")
@click.argument("name")
@output_options
def account_info(alias: str, name: str) -> None:
    """Show an account: ids, status, users, buckets and their usage."""
    doc = AdminApi(alias).account_info(name)
    buckets = ", ".join(b["bucket"] for b in doc.get("buckets", [])) or "-"
    text = "\n".join(
        [
            f"Account:      {doc['account']}",
            f"Account ID:   {doc['accountId']}",
            f"Canonical ID: {doc['canonicalId']}",
            f"E-mail:       {doc.get('email') or '-'}",
            f"Status:       {doc['accountStatus']}",
            f"Users:        {doc.get('users', 0)}  Groups: {doc.get('groups', 0)}  "
            f"Policies: {doc.get('policies', 0)}",
            f"Buckets:      {buckets}",
            f"Usage:        {doc.get('size', 0)} bytes in {doc.get('objects', 0)} objects",
        ]
    )
    get_output().record(_record("account-info", doc), text)


def _set_status(alias: str, name: str, enabled: bool) -> None:
    doc = AdminApi(alias).set_account_status(name, enabled)
    word = "Enabled" if enabled else "Disabled"
    get_output().record(
        _record("account-status", doc), f"{word} account `{doc['account']}` successfully."
    )


@account.command("enable")
@click.argument("alias")
@click.argument("name")
@output_options
def account_enable(alias: str, name: str) -> None:
    """Enable account NAME (its keys work again)."""
    _set_status(alias, name, True)


@account.command("disable")
@click.argument("alias")
@click.argument("name")
@output_options
def account_disable(alias: str, name: str) -> None:
    """Disable account NAME: its keys stop working and its buckets refuse everyone but
    the server's root."""
    _set_status(alias, name, False)


@account.command("remove")
@click.argument("alias")
@click.argument("name")
@output_options
def account_remove(alias: str, name: str) -> None:
    """Remove account NAME with its users, groups, policies and keys (it must own no
    bucket)."""
    doc = AdminApi(alias).remove_account(name)
    get_output().record(
        _record("account-remove", doc), f"Removed account `{doc['account']}` successfully."
    )
