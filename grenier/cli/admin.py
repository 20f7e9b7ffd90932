"""`grenier admin user|policy|group|scrub`: identities and their policies (mc's verbs), and
the data-integrity check.

Everything goes through the server's AWS IAM API (:mod:`grenier.client.admin_iam`), so an
alias's keys need IAM rights (root, or a user with ``consoleAdmin``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from grenier.cli import admin_accounts, admin_archive, admin_ops
from grenier.cli.base import finish
from grenier.cli.output import get_output, output_options
from grenier.client.admin_api import AdminApi
from grenier.client.admin_iam import IamAdmin
from grenier.client.errors import ClientError
from grenier.client.units import human_size


@click.group("admin")
def admin() -> None:
    """Manage accounts, users, groups and policies on a Grenier (or IAM-compatible) server."""


# --- users ---------------------------------------------------------------------------------


@admin.group("user")
def user() -> None:
    """Users and their access keys."""


@user.command("add")
@click.argument("alias")
@click.argument("name")
@click.argument("secret", required=False)
@output_options
def user_add(alias: str, name: str, secret: str | None) -> None:
    """Add user NAME. With SECRET, NAME is its access key (mc style); without, a key is
    generated and shown once."""
    keys = IamAdmin(alias).add_user(name, secret)
    text = f"Added user `{name}` successfully."
    if secret is None:
        text += f"\nAccess key: {keys['accessKey']}\nSecret key: {keys['secretKey']}"
    get_output().record({"op": "user-add", "user": name, **keys}, text)


@user.command("remove")
@click.argument("alias")
@click.argument("name")
@output_options
def user_remove(alias: str, name: str) -> None:
    """Remove user NAME with its keys, policies and group memberships."""
    IamAdmin(alias).remove_user(name)
    get_output().record({"op": "user-remove", "user": name}, f"Removed user `{name}` successfully.")


@user.command("list")
@click.argument("alias")
@output_options
def user_list(alias: str) -> None:
    """List users and whether they are enabled."""
    out = get_output()
    for item in IamAdmin(alias).list_users():
        out.record({"op": "user-list", **item}, f"{item['status']:<9} {item['user']}")


@user.command("info")
@click.argument("alias")
@click.argument("name")
@output_options
def user_info(alias: str, name: str) -> None:
    """Show a user's status, keys, policies and groups."""
    info = IamAdmin(alias).user_info(name)
    keys = ", ".join(f"{k['accessKey']} ({k['status']})" for k in info["accessKeys"])
    text = "\n".join(
        [
            f"AccessKey: {keys or '-'}",
            f"Status: {info['status']}",
            f"PolicyName: {','.join(info['policies'] + info['inlinePolicies']) or '-'}",
            f"MemberOf: {','.join(info['groups']) or '-'}",
        ]
    )
    get_output().record({"op": "user-info", **info}, f"User: {name}\n{text}")


def _set_status(alias: str, name: str, enabled: bool) -> None:
    IamAdmin(alias).set_user_status(name, enabled)
    word = "Enabled" if enabled else "Disabled"
    get_output().record(
        {"op": "user-status", "user": name, "status": word.lower()},
        f"{word} user `{name}` successfully.",
    )


@user.command("enable")
@click.argument("alias")
@click.argument("name")
@output_options
def user_enable(alias: str, name: str) -> None:
    """Enable user NAME (its keys work again)."""
    _set_status(alias, name, True)


@user.command("disable")
@click.argument("alias")
@click.argument("name")
@output_options
def user_disable(alias: str, name: str) -> None:
    """Disable user NAME: all its keys stop working at once."""
    _set_status(alias, name, False)


# --- policies ------------------------------------------------------------------------------


@admin.group("policy")
def policy() -> None:
    """Managed policies (built-in: readonly, readwrite, writeonly, diagnostics, consoleAdmin)."""


@policy.command("create")
@click.argument("alias")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options
def policy_create(alias: str, name: str, file: Path) -> None:
    """Create policy NAME from a JSON FILE."""
    arn = IamAdmin(alias).create_policy(name, file.read_text())
    get_output().record(
        {"op": "policy-create", "policy": name, "arn": arn},
        f"Created policy `{name}` successfully.",
    )


@policy.command("list")
@click.argument("alias")
@output_options
def policy_list(alias: str) -> None:
    """List built-in and created policies."""
    out = get_output()
    for item in IamAdmin(alias).list_policies():
        out.record({"op": "policy-list", **item}, item["policy"])


@policy.command("info")
@click.argument("alias")
@click.argument("name")
@output_options
def policy_info(alias: str, name: str) -> None:
    """Show policy NAME's document."""
    info = IamAdmin(alias).policy_info(name)
    document = info["document"]
    if isinstance(document, str):
        document = json.loads(document)
    get_output().record(
        {"op": "policy-info", **info, "document": document}, json.dumps(document, indent=2)
    )


@policy.command("remove")
@click.argument("alias")
@click.argument("name")
@output_options
def policy_remove(alias: str, name: str) -> None:
    """Remove policy NAME (it must be detached first)."""
    IamAdmin(alias).remove_policy(name)
    get_output().record(
        {"op": "policy-remove", "policy": name}, f"Removed policy `{name}` successfully."
    )


def _attach(alias: str, names: tuple[str, ...], user: str | None, group: str | None, detach: bool) -> None:  # fmt: skip
    if bool(user) == bool(group):
        raise ClientError("give exactly one of --user or --group", code="BadUsage")
    admin_api = IamAdmin(alias)
    out = get_output()
    verb = "Detached" if detach else "Attached"
    target = f"user `{user}`" if user else f"group `{group}`"
    for name in names:
        admin_api.attach(name, user=user, group=group, detach=detach)
        out.record(
            {"op": verb.lower(), "policy": name, "user": user, "group": group},
            f"{verb} policy `{name}` {'from' if detach else 'to'} {target}.",
        )


@policy.command("attach")
@click.argument("alias")
@click.argument("names", nargs=-1, required=True)
@click.option("--user", help="Attach to this user.")
@click.option("--group", help="Attach to this group.")
@output_options
def policy_attach(alias: str, names: tuple[str, ...], user: str | None, group: str | None) -> None:
    """Attach policies NAMES to a --user or a --group."""
    _attach(alias, names, user, group, detach=False)


@policy.command("detach")
@click.argument("alias")
@click.argument("names", nargs=-1, required=True)
@click.option("--user", help="Detach from this user.")
@click.option("--group", help="Detach from this group.")
@output_options
def policy_detach(alias: str, names: tuple[str, ...], user: str | None, group: str | None) -> None:
    """Detach policies NAMES from a --user or a --group."""
    _attach(alias, names, user, group, detach=True)


# --- groups --------------------------------------------------------------------------------


@admin.group("group")
def group() -> None:
    """Groups of users (a group's policies apply to its members)."""


@group.command("add")
@click.argument("alias")
@click.argument("name")
@click.argument("members", nargs=-1)
@output_options
def group_add(alias: str, name: str, members: tuple[str, ...]) -> None:
    """Create group NAME if needed and add MEMBERS."""
    IamAdmin(alias).add_group(name, list(members))
    get_output().record(
        {"op": "group-add", "group": name, "members": list(members)},
        f"Added members {', '.join(members) or '-'} to group `{name}` successfully.",
    )


@group.command("remove")
@click.argument("alias")
@click.argument("name")
@click.argument("members", nargs=-1)
@output_options
def group_remove(alias: str, name: str, members: tuple[str, ...]) -> None:
    """Remove MEMBERS from group NAME, or the (empty) group itself."""
    IamAdmin(alias).remove_group(name, list(members))
    what = f"members {', '.join(members)} from group `{name}`" if members else f"group `{name}`"
    get_output().record(
        {"op": "group-remove", "group": name, "members": list(members)},
        f"Removed {what} successfully.",
    )


@group.command("list")
@click.argument("alias")
@output_options
def group_list(alias: str) -> None:
    """List groups."""
    out = get_output()
    for name in IamAdmin(alias).list_groups():
        out.record({"op": "group-list", "group": name}, name)


@group.command("info")
@click.argument("alias")
@click.argument("name")
@output_options
def group_info(alias: str, name: str) -> None:
    """Show a group's members and policies."""
    info = IamAdmin(alias).group_info(name)
    text = (
        f"Group: {info['group']}\nMembers: {','.join(info['members']) or '-'}\n"
        f"Policy: {','.join(info['policies']) or '-'}"
    )
    get_output().record({"op": "group-info", **info}, text)


# --- data integrity -----------------------------------------------------------------------


def _scrub_line(item: dict[str, Any]) -> str:
    where = f"{item['bucket']}/{item['key']}"
    version = item["versionId"]
    if version != "null":
        where += f" (version {version})" if not version.startswith("upload ") else f" ({version})"
    line = f"DAMAGED  {where}: {item['problem']}: {item['detail']}"
    if item["repaired"]:
        line += f"; repaired from version {item['goodCopy']}"
    elif item["goodCopy"]:
        line += f"; a good copy is version {item['goodCopy']} (repair with --repair)"
    else:
        line += "; no good copy on this server"
    return line


@admin.command("scrub")
@click.argument("alias")
@click.option("--bucket", help="Only this bucket.")
@click.option(
    "--repair",
    is_flag=True,
    help="Point damaged versions at a good copy of the same bytes when their key has one.",
)
@output_options
def scrub(alias: str, bucket: str | None, repair: bool) -> None:
    """Re-hash every object stored on ALIAS against its recorded checksum and report
    damage (bitrot, truncated or missing data files); root keys only. Exits 1 while
    damage remains."""
    doc = AdminApi(alias).scrub(bucket, repair)
    out = get_output()
    for item in doc["damaged"]:
        out.record({"op": "scrub-damage", "alias": alias, **item}, _scrub_line(item))
    left = len(doc["damaged"]) - doc["repaired"]
    summary = (
        f"Scrubbed {doc['versions']} object version(s) and {doc['parts']} upload part(s) "
        f"({human_size(doc['bytes'])}) on `{alias}`: {len(doc['damaged'])} damaged"
        + (f", {doc['repaired']} repaired" if repair else "")
    )
    out.record(
        {"op": "scrub", "alias": alias, **{k: v for k, v in doc.items() if k != "damaged"}},
        summary,
    )
    finish(left == 0)


# --- operator commands (grenier.cli.admin_ops) ---------------------------------------------
admin.add_command(admin_ops.info)
admin.add_command(admin_ops.trace)
admin.add_command(admin_ops.prometheus)
admin.add_command(admin_archive.archive)

# --- accounts (grenier.cli.admin_accounts) ---------------------------------------------------
admin.add_command(admin_accounts.account)
