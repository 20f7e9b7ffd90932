"""Users, groups and policies through the server's IAM API (boto3's ``iam`` client).

A thin layer for ``grenier admin``: it speaks the AWS IAM Query API to the alias's
endpoint with the alias's keys, so the same calls work against any IAM-compatible server.
Two Grenier extensions are used, both documented in docs/access-control.md:

* ``CreateAccessKey`` with ``AccessKeyId`` + ``SecretAccessKey`` chooses the key's values
  (``admin user add ALIAS USER SECRET``: the user name is the access key, as with mc);
* the reserved user tag ``grenier:status`` (``enabled``/``disabled``), read with
  GetUser/ListUsers and changed with TagUser, enables or disables a user.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from grenier.client.config import Alias, get_alias
from grenier.client.errors import ClientError, errors

STATUS_TAG = "grenier:status"


def iam_client(alias: Alias) -> Any:
    import boto3
    from botocore.config import Config

    if alias.anonymous:
        raise ClientError(f"{alias.name}: admin commands need an alias with keys", code="NoKeys")
    client = boto3.session.Session().client(
        "iam",
        endpoint_url=alias.url,
        aws_access_key_id=alias.access_key,
        aws_secret_access_key=alias.secret_key,
        region_name=alias.region or "us-east-1",
        # No client-side validation: chosen access keys may be shorter than AWS's 16.
        config=Config(
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=5,
            parameter_validation=False,
        ),
    )
    return client


def _status(user: dict[str, Any]) -> str:
    tags = {t.get("Key"): t.get("Value") for t in user.get("Tags", [])}
    return str(tags.get(STATUS_TAG, "enabled"))


class IamAdmin:
    """One alias's IAM API; every failure is a one-line :class:`ClientError`."""

    def __init__(self, alias: Alias | str) -> None:
        self.alias = get_alias(alias) if isinstance(alias, str) else alias
        self.iam = iam_client(self.alias)
        self._chosen: tuple[str, str] | None = None
        self.iam.meta.events.register("before-call.iam.CreateAccessKey", self._inject_chosen)

    def _inject_chosen(self, params: dict[str, Any], **_: Any) -> None:
        """Add the extension parameters to CreateAccessKey's form body when chosen."""
        if self._chosen is not None:
            params["body"]["AccessKeyId"], params["body"]["SecretAccessKey"] = self._chosen

    def _pages(self, method: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for page in self.iam.get_paginator(method).paginate(**kwargs):
            yield from page.get(key, [])

    # --- users -------------------------------------------------------------------------

    def add_user(self, name: str, secret: str | None = None) -> dict[str, str]:
        with errors(f"add user {name}"):
            self.iam.create_user(UserName=name)
            self._chosen = (name, secret) if secret is not None else None
            try:
                key = self.iam.create_access_key(UserName=name)["AccessKey"]
            except Exception:
                self.iam.delete_user(UserName=name)  # no half-made user
                raise
            finally:
                self._chosen = None
        return {"accessKey": key["AccessKeyId"], "secretKey": key["SecretAccessKey"]}

    def remove_user(self, name: str) -> None:
        """Delete a user and everything attached to it (keys, policies, memberships)."""
        with errors(f"remove user {name}"):
            for key in self._pages("list_access_keys", "AccessKeyMetadata", UserName=name):
                self.iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
            for policy in self._pages("list_user_policies", "PolicyNames", UserName=name):
                self.iam.delete_user_policy(UserName=name, PolicyName=policy)
            for attached in self._pages(
                "list_attached_user_policies", "AttachedPolicies", UserName=name
            ):
                self.iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
            for group in self._pages("list_groups_for_user", "Groups", UserName=name):
                self.iam.remove_user_from_group(GroupName=group["GroupName"], UserName=name)
            self.iam.delete_user(UserName=name)

    def list_users(self) -> list[dict[str, Any]]:
        with errors("list users"):
            return [
                {"user": u["UserName"], "status": _status(u)}
                for u in self._pages("list_users", "Users")
            ]

    def user_info(self, name: str) -> dict[str, Any]:
        with errors(f"user {name}"):
            user = self.iam.get_user(UserName=name)["User"]
            keys = self._pages("list_access_keys", "AccessKeyMetadata", UserName=name)
            attached = self._pages("list_attached_user_policies", "AttachedPolicies", UserName=name)
            groups = self._pages("list_groups_for_user", "Groups", UserName=name)
            return {
                "user": user["UserName"],
                "status": _status(user),
                "arn": user["Arn"],
                "accessKeys": [
                    {"accessKey": k["AccessKeyId"], "status": k["Status"]} for k in keys
                ],
                "policies": [p["PolicyName"] for p in attached],
                "inlinePolicies": list(
                    self._pages("list_user_policies", "PolicyNames", UserName=name)
                ),
                "groups": [g["GroupName"] for g in groups],
            }

    def set_user_status(self, name: str, enabled: bool) -> None:
        value = "enabled" if enabled else "disabled"
        with errors(f"{value[:-1]} user {name}"):
            self.iam.tag_user(UserName=name, Tags=[{"Key": STATUS_TAG, "Value": value}])

    # --- policies ----------------------------------------------------------------------

    def policy_arn(self, name: str) -> str:
        """A policy's ARN from its name (built-in or created here), or the ARN itself."""
        if name.startswith("arn:"):
            return name
        with errors(f"policy {name}"):
            for policy in self._pages("list_policies", "Policies", Scope="All"):
                if policy["PolicyName"] == name:
                    return str(policy["Arn"])
        raise ClientError(f"policy {name}: no such policy", code="NoSuchEntity")

    def create_policy(self, name: str, document: str) -> str:
        with errors(f"create policy {name}"):
            created = self.iam.create_policy(PolicyName=name, PolicyDocument=document)
            return str(created["Policy"]["Arn"])

    def list_policies(self) -> list[dict[str, Any]]:
        with errors("list policies"):
            return [
                {"policy": p["PolicyName"], "arn": p["Arn"], "attachments": p["AttachmentCount"]}
                for p in self._pages("list_policies", "Policies", Scope="All")
            ]

    def policy_info(self, name: str) -> dict[str, Any]:
        arn = self.policy_arn(name)
        with errors(f"policy {name}"):
            policy = self.iam.get_policy(PolicyArn=arn)["Policy"]
            version = self.iam.get_policy_version(
                PolicyArn=arn, VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]
        return {"policy": policy["PolicyName"], "arn": arn, "document": version["Document"]}

    def remove_policy(self, name: str) -> None:
        arn = self.policy_arn(name)
        with errors(f"remove policy {name}"):
            self.iam.delete_policy(PolicyArn=arn)

    def attach(self, policy: str, *, user: str | None, group: str | None, detach: bool) -> None:
        arn = self.policy_arn(policy)
        verb = "detach" if detach else "attach"
        with errors(f"{verb} policy {policy}"):
            if user:
                call = self.iam.detach_user_policy if detach else self.iam.attach_user_policy
                call(UserName=user, PolicyArn=arn)
            if group:
                call = self.iam.detach_group_policy if detach else self.iam.attach_group_policy
                call(GroupName=group, PolicyArn=arn)

    # --- groups ------------------------------------------------------------------------

    def add_group(self, group: str, members: list[str]) -> None:
        """Create the group if needed and add members (mc's ``admin group add``)."""
        with errors(f"add group {group}"):
            try:
                self.iam.create_group(GroupName=group)
            except self.iam.exceptions.EntityAlreadyExistsException:
                pass
            for member in members:
                self.iam.add_user_to_group(GroupName=group, UserName=member)

    def remove_group(self, group: str, members: list[str]) -> None:
        """Remove members, or (without members) the group and its attachments."""
        with errors(f"remove group {group}"):
            for member in members:
                self.iam.remove_user_from_group(GroupName=group, UserName=member)
            if members:
                return
            for attached in self._pages(
                "list_attached_group_policies", "AttachedPolicies", GroupName=group
            ):
                self.iam.detach_group_policy(GroupName=group, PolicyArn=attached["PolicyArn"])
            self.iam.delete_group(GroupName=group)

    def list_groups(self) -> list[str]:
        with errors("list groups"):
            return [g["GroupName"] for g in self._pages("list_groups", "Groups")]

    def group_info(self, group: str) -> dict[str, Any]:
        with errors(f"group {group}"):
            found = self.iam.get_group(GroupName=group)
            attached = self._pages(
                "list_attached_group_policies", "AttachedPolicies", GroupName=group
            )
            return {
                "group": found["Group"]["GroupName"],
                "members": [u["UserName"] for u in found.get("Users", [])],
                "policies": [p["PolicyName"] for p in attached],
            }
