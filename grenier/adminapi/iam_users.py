"""IAM operations on users, their access keys and their inline policies."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from grenier.iam.arn import root_arn
from grenier.iam.errors import IamError
from grenier.iam.evaluate import Principal
from grenier.iam.records import User
from grenier.iam.store import IamStore

from . import iam_xml as x
from .iam_params import Params, paged

_EPOCH = "1970-01-01T00:00:00Z"  # root has no creation date of its own


def _target_user(params: Params, caller: Principal) -> str:
    """UserName, or the caller's own name when omitted (as IAM does)."""
    name = params.get("UserName")
    if name:
        return name
    if caller.kind == "user" and caller.name:
        return caller.name
    raise IamError("ValidationError", "Root credentials come from the server configuration.")


def _root_keys(params: Params, caller: Principal) -> bool:
    """An account root naming no user manages its own root keys (as on AWS)."""
    return caller.kind == "account" and not params.get("UserName")


def create_user(params: Params, store: IamStore, caller: Principal) -> Element:
    result = Element("Result")
    created = store.create_user(params.need("UserName"), params.get("Path") or "/")
    result.append(x.user(created))
    return result


def get_user(params: Params, store: IamStore, caller: Principal) -> Element:
    result = Element("Result")
    if not params.get("UserName") and caller.is_account_root:
        account = caller.account_id
        root = User("root", account, root_arn(account), "/", _EPOCH)
        result.append(x.user(root))
        return result
    result.append(x.user(store.get_user(_target_user(params, caller))))
    return result


def list_users(params: Params, store: IamStore, caller: Principal) -> Element:
    users = store.list_users(params.get("PathPrefix") or "/")
    return paged(Element("Result"), params, "Users", [x.user(u) for u in users])


def delete_user(params: Params, store: IamStore, caller: Principal) -> None:
    store.delete_user(params.need("UserName"))


def create_access_key(params: Params, store: IamStore, caller: Principal) -> Element:
    """Grenier extension: ``AccessKeyId`` and ``SecretAccessKey`` choose the key's values
    (``grenier admin user add ALIAS USER SECRET`` uses the user name as access key)."""
    chosen_key, chosen_secret = params.get("AccessKeyId"), params.get("SecretAccessKey")
    if bool(chosen_key) != bool(chosen_secret):
        raise IamError("ValidationError", "AccessKeyId and SecretAccessKey go together.")
    if _root_keys(params, caller):
        created = store.create_root_key()
    else:
        created = store.create_access_key(_target_user(params, caller), chosen_key, chosen_secret)
    result = Element("Result")
    result.append(x.access_key(created))
    return result


def tag_user(params: Params, store: IamStore, caller: Principal) -> None:
    """Only Grenier's reserved tag ``grenier:status`` (``enabled``/``disabled``)."""
    user = params.need("UserName")
    tags = params.members("Tags", ("Key", "Value"))
    for tag in tags:
        if tag.get("Key") != x.STATUS_TAG or tag.get("Value") not in ("enabled", "disabled"):
            raise IamError(
                "InvalidInput",
                f"Grenier stores no user tags; only {x.STATUS_TAG}=enabled|disabled is accepted.",
            )
    for tag in tags:
        store.set_user_enabled(user, tag["Value"] == "enabled")
    store.get_user(user)


def untag_user(params: Params, store: IamStore, caller: Principal) -> None:
    user = params.need("UserName")
    keys = [m.get("member", "") for m in params.members("TagKeys", ())]
    if x.STATUS_TAG in keys:
        store.set_user_enabled(user, True)
    store.get_user(user)


def list_access_keys(params: Params, store: IamStore, caller: Principal) -> Element:
    if _root_keys(params, caller):
        keys = store.list_root_keys()
    else:
        keys = store.list_access_keys(_target_user(params, caller))
    items = [x.access_key(k, "member") for k in keys]
    return paged(Element("Result"), params, "AccessKeyMetadata", items)


def update_access_key(params: Params, store: IamStore, caller: Principal) -> None:
    key = params.need("AccessKeyId")
    if _root_keys(params, caller) and store.user_for_key(key) is None:
        store.update_root_key(key, params.need("Status"))
        return
    store.update_access_key(_key_owner(params, store, caller, key), key, params.need("Status"))


def delete_access_key(params: Params, store: IamStore, caller: Principal) -> None:
    key = params.need("AccessKeyId")
    if _root_keys(params, caller) and store.user_for_key(key) is None:
        store.update_root_key(key, None)
        return
    store.delete_access_key(_key_owner(params, store, caller, key), key)


def _key_owner(params: Params, store: IamStore, caller: Principal, key: str) -> str:
    if params.get("UserName"):
        return params.need("UserName")
    owner = store.user_for_key(key)
    if owner is None:
        raise IamError("NoSuchEntity", f"The Access Key with id {key} cannot be found.")
    return owner


def put_user_policy(params: Params, store: IamStore, caller: Principal) -> None:
    store.put_user_policy(
        params.need("UserName"), params.need("PolicyName"), params.need("PolicyDocument")
    )


def get_user_policy(params: Params, store: IamStore, caller: Principal) -> Element:
    user, name = params.need("UserName"), params.need("PolicyName")
    document = store.get_user_policy(user, name)
    result = Element("Result")
    x.text(result, "UserName", store.get_user(user).name)
    x.text(result, "PolicyName", name)
    x.text(result, "PolicyDocument", x.policy_document(document))
    return result


def delete_user_policy(params: Params, store: IamStore, caller: Principal) -> None:
    store.delete_user_policy(params.need("UserName"), params.need("PolicyName"))


def list_user_policies(params: Params, store: IamStore, caller: Principal) -> Element:
    names = store.list_user_policies(params.need("UserName"))
    items = []
    for name in names:
        el = Element("member")
        el.text = name
        items.append(el)
    return paged(Element("Result"), params, "PolicyNames", items)
