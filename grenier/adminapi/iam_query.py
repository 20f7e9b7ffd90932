"""The AWS IAM Query API (``Action=CreateUser&Version=2010-05-08&...``), framework-free.

``handle_iam(params, store, caller, request_id)`` returns ``(status, xml_body)``. The
server dispatches here the signed requests whose SigV4 credential scope names the ``iam``
service (``POST /`` with a form body holding ``Action=...``), after verifying the
signature and resolving the caller. Every request acts on the caller's own account
(``store`` is that account's view): its root may do everything, a user what its
policies allow (``iam:<Action>``, or MinIO's ``admin:`` equivalent). The system
administrator acts on the default account.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from grenier.iam.errors import IamError
from grenier.iam.evaluate import AccessRequest, Principal, is_allowed
from grenier.iam.store import IamStore

from . import iam_policies as p
from . import iam_users as u
from . import iam_xml as x
from .iam_params import Handler, Params

log = logging.getLogger(__name__)

# HTTP statuses of IAM's error codes (IAM API reference, "Errors" of each action).
STATUS: dict[str, int] = {
    "AccessDenied": 403,
    "DeleteConflict": 409,
    "EntityAlreadyExists": 409,
    "InvalidAction": 400,
    "InvalidInput": 400,
    "LimitExceeded": 409,
    "MalformedPolicyDocument": 400,
    "MissingParameter": 400,
    "NoSuchEntity": 404,
    "UnmodifiableEntity": 400,
    "ValidationError": 400,
    "ServiceFailure": 500,
}

HANDLERS: dict[str, Handler] = {
    "CreateUser": u.create_user,
    "GetUser": u.get_user,
    "ListUsers": u.list_users,
    "DeleteUser": u.delete_user,
    "CreateAccessKey": u.create_access_key,
    "ListAccessKeys": u.list_access_keys,
    "UpdateAccessKey": u.update_access_key,
    "DeleteAccessKey": u.delete_access_key,
    "TagUser": u.tag_user,
    "UntagUser": u.untag_user,
    "PutUserPolicy": u.put_user_policy,
    "GetUserPolicy": u.get_user_policy,
    "DeleteUserPolicy": u.delete_user_policy,
    "ListUserPolicies": u.list_user_policies,
    "CreatePolicy": p.create_policy,
    "GetPolicy": p.get_policy,
    "GetPolicyVersion": p.get_policy_version,
    "CreatePolicyVersion": p.create_policy_version,
    "ListPolicies": p.list_policies,
    "DeletePolicy": p.delete_policy,
    "AttachUserPolicy": p.attach_user_policy,
    "DetachUserPolicy": p.detach_user_policy,
    "ListAttachedUserPolicies": p.list_attached_user_policies,
    "CreateGroup": p.create_group,
    "GetGroup": p.get_group,
    "DeleteGroup": p.delete_group,
    "AddUserToGroup": p.add_user_to_group,
    "RemoveUserFromGroup": p.remove_user_from_group,
    "ListGroups": p.list_groups,
    "ListGroupsForUser": p.list_groups_for_user,
    "AttachGroupPolicy": p.attach_group_policy,
    "DetachGroupPolicy": p.detach_group_policy,
    "ListAttachedGroupPolicies": p.list_attached_group_policies,
}

# MinIO admin actions that grant the same right (a policy may use either vocabulary).
_ADMIN_EQUIVALENT: dict[str, str] = {
    "CreateUser": "admin:CreateUser",
    "DeleteUser": "admin:DeleteUser",
    "ListUsers": "admin:ListUsers",
    "GetUser": "admin:GetUser",
    "TagUser": "admin:EnableUser",
    "UntagUser": "admin:EnableUser",
    "CreateGroup": "admin:AddUserToGroup",
    "AddUserToGroup": "admin:AddUserToGroup",
    "RemoveUserFromGroup": "admin:RemoveUserFromGroup",
    "DeleteGroup": "admin:RemoveUserFromGroup",
    "GetGroup": "admin:GetGroup",
    "ListGroups": "admin:ListGroups",
    "ListGroupsForUser": "admin:ListGroups",
    "CreatePolicy": "admin:CreatePolicy",
    "CreatePolicyVersion": "admin:CreatePolicy",
    "DeletePolicy": "admin:DeletePolicy",
    "GetPolicy": "admin:GetPolicy",
    "GetPolicyVersion": "admin:GetPolicy",
    "ListPolicies": "admin:GetPolicy",
    "AttachUserPolicy": "admin:AttachUserOrGroupPolicy",
    "DetachUserPolicy": "admin:AttachUserOrGroupPolicy",
    "AttachGroupPolicy": "admin:AttachUserOrGroupPolicy",
    "DetachGroupPolicy": "admin:AttachUserOrGroupPolicy",
    "ListAttachedUserPolicies": "admin:ListUserPolicies",
    "ListAttachedGroupPolicies": "admin:ListUserPolicies",
    "PutUserPolicy": "admin:AttachUserOrGroupPolicy",
    "DeleteUserPolicy": "admin:AttachUserOrGroupPolicy",
    "GetUserPolicy": "admin:ListUserPolicies",
    "ListUserPolicies": "admin:ListUserPolicies",
}
_KEY_ACTIONS = {"CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey"}


def handle_iam(
    params: Mapping[str, str],
    store: IamStore,
    caller: Principal,
    request_id: str,
    *,
    reserved_keys: frozenset[str] = frozenset(),
) -> tuple[int, bytes]:
    """Run one IAM Query API request; return (HTTP status, XML body).

    ``reserved_keys`` are access keys no user may choose (the root key).
    """
    action = params.get("Action", "")
    handler = HANDLERS.get(action)
    if handler is None:
        return _error("InvalidAction", f"Could not find operation {action}", request_id)
    if not _authorised(action, store, caller):
        message = f"User: {_caller_arn(caller)} is not authorized to perform: iam:{action}"
        return _error("AccessDenied", message, request_id)
    if action == "CreateAccessKey" and params.get("AccessKeyId") in reserved_keys:
        return _error("EntityAlreadyExists", "That access key is reserved.", request_id)
    try:
        result = handler(Params(params), store, caller)
    except IamError as exc:
        return _error(exc.code, exc.message, request_id)
    except Exception:
        log.exception("IAM %s failed (request %s)", action, request_id)
        return _error("ServiceFailure", "Request processing has failed.", request_id)
    return 200, x.response(action, result, request_id)


def _authorised(action: str, store: IamStore, caller: Principal) -> bool:
    if caller.is_account_root:
        return True
    if caller.kind != "user" or not caller.name:
        return False
    policies = store.identity_policies(caller.name)
    wanted = [f"iam:{action}"]
    if action in _ADMIN_EQUIVALENT:
        wanted.append(_ADMIN_EQUIVALENT[action])
    if action in _KEY_ACTIONS:
        wanted.append("admin:CreateServiceAccount")
    resource = f"arn:aws:iam::{caller.account_id}:*"
    return any(
        is_allowed(AccessRequest(caller, name, None, None, resource=resource), policies, None)
        for name in wanted
    )


def _caller_arn(caller: Principal) -> str:
    return caller.principal_arn or "anonymous"


def _error(code: str, message: str, request_id: str) -> tuple[int, bytes]:
    status = STATUS.get(code, 400)
    return status, x.error(code, message, request_id, sender=status < 500)
