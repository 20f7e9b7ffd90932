"""``/admin/policies``: managed policies — summary, who they are attached to, and a raw
JSON editor (checked as JSON in the browser as you type, then by the server's own
policy parser, whose refusal is shown as is)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from grenier.client.errors import ClientError
from grenier.console.admin_users import Action, run_action
from grenier.console.connection import UserConnection
from grenier.console.web import conn, flash, render, see_other

MAX_SCANNED = 200  # users and groups looked at to find a policy's attachments

EXAMPLE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
        }
    ],
}


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/admin/policies", policies),
        web.post("/admin/policies", create),
        web.get("/admin/policies/{name}", policy),
        web.post("/admin/policies/{name}/{action}", act),
    ]


def policy_url(name: str) -> str:
    return f"/admin/policies/{quote(name, safe='')}"


def checked_document(text: str) -> str:
    """The document as compact JSON, or a ClientError saying where the JSON is broken."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ClientError(
            f"policy document: invalid JSON ({exc})", code="MalformedPolicyDocument"
        ) from None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise ClientError(
            "policy document: expected an object with a Statement", code="MalformedPolicyDocument"
        )
    return json.dumps(doc)


async def policies(request: web.Request) -> web.Response:
    c = conn(request)
    found = await c.call("list policies", c.iam.list_policies)
    return await render(request, "policies.html", policies=found, example=EXAMPLE)


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("policy", "")).strip()
    c = conn(request)
    try:
        if not name:
            raise ClientError("a policy name is needed")
        document = checked_document(str(form.get("document", "")))
        await c.call(f"create policy {name}", c.iam.create_policy, name, document)
    except ClientError as exc:
        flash(request, "error", str(exc))
        return see_other("/admin/policies")
    flash(request, "ok", f"Policy {name} created")
    return see_other(policy_url(name))


def _attachments(c: UserConnection, arn: str) -> dict[str, list[str]]:
    """Users and groups the policy is attached to (the server has no ListEntitiesForPolicy:
    the first MAX_SCANNED of each are looked at)."""
    iam = c.iam.iam
    users = [
        u["UserName"]
        for u in iam.list_users(MaxItems=MAX_SCANNED).get("Users", [])
        if any(
            p["PolicyArn"] == arn
            for p in iam.list_attached_user_policies(UserName=u["UserName"]).get(
                "AttachedPolicies", []
            )
        )
    ]
    groups = [
        g["GroupName"]
        for g in iam.list_groups(MaxItems=MAX_SCANNED).get("Groups", [])
        if any(
            p["PolicyArn"] == arn
            for p in iam.list_attached_group_policies(GroupName=g["GroupName"]).get(
                "AttachedPolicies", []
            )
        )
    ]
    return {"users": users, "groups": groups}


async def policy(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    c = conn(request)
    info = await c.call(f"policy {name}", c.iam.policy_info, name)
    document = info["document"]
    if isinstance(document, str):
        document = json.loads(document)
    try:
        attached: Any = await c.call(f"attachments of {name}", _attachments, c, info["arn"])
    except ClientError as exc:
        attached = {"error": str(exc)}
    return await render(request, "policy.html", info=info, document=document, attached=attached)


async def _update(c: UserConnection, name: str, form: Any) -> str:
    document = checked_document(str(form.get("document", "")))
    arn = await c.call(f"policy {name}", c.iam.policy_arn, name)
    await c.call(
        f"update policy {name}",
        lambda: c.iam.iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=document, SetAsDefault=True
        ),
    )
    return f"Policy {name} saved"


async def _delete(c: UserConnection, name: str, form: Any) -> str:
    await c.call(f"remove policy {name}", c.iam.remove_policy, name)
    return f"Policy {name} deleted"


ACTIONS: dict[str, Action] = {"update": _update, "delete": _delete}


async def act(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await run_action(request, ACTIONS, policy_url(name), "/admin/policies")
