"""Who may call an admin endpoint: the one check behind every admin route (quotas, usage,
server info, trace) and the Prometheus endpoints.

Root may call them all; a user may when one of its policies allows the endpoint's MinIO
admin action (``admin:ServerInfo``, ``admin:ServerTrace``, ``admin:Prometheus``,
``admin:SetBucketQuota``…), with the same evaluation as every other request (explicit Deny
wins). MinIO-style admin statements may omit their Resource.

With accounts: an account's root may call the bucket routes (quota, usage) without a
policy; server-wide routes (info, trace, metrics) are for the server's root and the
default account's users only, so no tenant sees another's traffic. Everyone but the
server's root acts on its own account's buckets only (the returned scope).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grenier.iam.arn import DEFAULT_ACCOUNT_ID
from grenier.iam.evaluate import AccessRequest, Principal, is_allowed
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

ADMIN_RESOURCE = "arn:aws:s3:::*"
# Admin actions on buckets (an account's own): the rest are server-wide.
BUCKET_ACTIONS = frozenset({"admin:GetBucketQuota", "admin:SetBucketQuota", "admin:DataUsageInfo"})


def authorize_admin(
    service: S3Service, store: IamStore | None, access_key: str | None, action: str
) -> str | None:
    """Raise AccessDenied unless ``access_key`` may perform the admin ``action``; return
    the canonical ID of the account whose buckets it may act on (None: every bucket)."""
    if access_key is None:
        raise S3Error("AccessDenied")
    if access_key == service.settings.root_access_key:
        return None
    if store is None or service.principal_for is None:
        raise S3Error("AccessDenied")
    caller: Principal = service.principal_for(access_key)
    server_wide = action not in BUCKET_ACTIONS
    if caller.kind == "account" and not server_wide:
        return caller.canonical_id
    if caller.kind != "user" or not caller.name:
        raise S3Error("AccessDenied")
    if server_wide and caller.account_id != DEFAULT_ACCOUNT_ID:
        raise S3Error("AccessDenied", message=f"{action} is for the server's operators.")
    policies = store.policies_of(caller)
    wanted = AccessRequest(caller, action, None, None, resource=ADMIN_RESOURCE)
    if not is_allowed(wanted, policies, None):
        raise S3Error("AccessDenied", message=f"{action} is not allowed for this key.")
    return caller.canonical_id
