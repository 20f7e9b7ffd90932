"""IAM operations on managed policies, groups and attachments."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from grenier.iam.errors import IamError
from grenier.iam.evaluate import Principal
from grenier.iam.store import IamStore

from . import iam_xml as x
from .iam_params import Handler, Params, paged

_SCOPES = ("All", "AWS", "Local")


def create_policy(params: Params, store: IamStore, caller: Principal) -> Element:
    created = store.create_policy(
        params.need("PolicyName"),
        params.need("PolicyDocument"),
        params.get("Path") or "/",
        params.get("Description") or "",
    )
    result = Element("Result")
    result.append(x.managed_policy(created))
    return result


def get_policy(params: Params, store: IamStore, caller: Principal) -> Element:
    result = Element("Result")
    result.append(x.managed_policy(store.get_policy(params.need("PolicyArn"))))
    return result


def get_policy_version(params: Params, store: IamStore, caller: Principal) -> Element:
    version = store.get_policy_version(params.need("PolicyArn"), params.need("VersionId"))
    result = Element("Result")
    result.append(x.policy_version(version))
    return result


def create_policy_version(params: Params, store: IamStore, caller: Principal) -> Element:
    version = store.create_policy_version(
        params.need("PolicyArn"), params.need("PolicyDocument"), params.flag("SetAsDefault")
    )
    result = Element("Result")
    result.append(x.policy_version(version))
    return result


def list_policies(params: Params, store: IamStore, caller: Principal) -> Element:
    scope = params.get("Scope") or "All"
    if scope not in _SCOPES:
        raise IamError("ValidationError", f"Invalid Scope {scope}.")
    found = store.list_policies(scope, params.flag("OnlyAttached"))
    items = [x.managed_policy(p, "member") for p in found]
    return paged(Element("Result"), params, "Policies", items)


def delete_policy(params: Params, store: IamStore, caller: Principal) -> None:
    store.delete_policy(params.need("PolicyArn"))


def _attach(kind: str, param: str) -> Handler:
    def attach(params: Params, store: IamStore, caller: Principal) -> None:
        store.attach_policy(kind, params.need(param), params.need("PolicyArn"))

    return attach


def _detach(kind: str, param: str) -> Handler:
    def detach(params: Params, store: IamStore, caller: Principal) -> None:
        store.detach_policy(kind, params.need(param), params.need("PolicyArn"))

    return detach


def _list_attached(kind: str, param: str) -> Handler:
    def list_attached(params: Params, store: IamStore, caller: Principal) -> Element:
        pairs = store.attached_policies(kind, params.need(param))
        items = [x.attached(name, arn) for name, arn in pairs]
        return paged(Element("Result"), params, "AttachedPolicies", items)

    return list_attached


attach_user_policy = _attach("user", "UserName")
detach_user_policy = _detach("user", "UserName")
list_attached_user_policies = _list_attached("user", "UserName")
attach_group_policy = _attach("group", "GroupName")
detach_group_policy = _detach("group", "GroupName")
list_attached_group_policies = _list_attached("group", "GroupName")


def create_group(params: Params, store: IamStore, caller: Principal) -> Element:
    result = Element("Result")
    result.append(x.group(store.create_group(params.need("GroupName"), params.get("Path") or "/")))
    return result


def get_group(params: Params, store: IamStore, caller: Principal) -> Element:
    group, users = store.get_group(params.need("GroupName"))
    result = Element("Result")
    result.append(x.group(group))
    return paged(result, params, "Users", [x.user(u) for u in users])


def delete_group(params: Params, store: IamStore, caller: Principal) -> None:
    store.delete_group(params.need("GroupName"))


def add_user_to_group(params: Params, store: IamStore, caller: Principal) -> None:
    store.add_user_to_group(params.need("GroupName"), params.need("UserName"))


def remove_user_from_group(params: Params, store: IamStore, caller: Principal) -> None:
    store.remove_user_from_group(params.need("GroupName"), params.need("UserName"))


def list_groups(params: Params, store: IamStore, caller: Principal) -> Element:
    groups = store.list_groups(params.get("PathPrefix") or "/")
    return paged(Element("Result"), params, "Groups", [x.group(g) for g in groups])


def list_groups_for_user(params: Params, store: IamStore, caller: Principal) -> Element:
    groups = store.groups_for_user(params.need("UserName"))
    return paged(Element("Result"), params, "Groups", [x.group(g) for g in groups])
