"""Who may call an admin endpoint: the one check behind every admin route (quotas, usage,
server info, trace) and the Prometheus endpoints.

Root may call them all; a user may when one of its policies allows the endpoint's MinIO
admin action (``admin:ServerInfo``, ``admin:ServerTrace``, ``admin:Prometheus``,
``admin:SetBucketQuota``…), with the same evaluation as every other request (explicit Deny
wins). MinIO-style admin statements may omit their Resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grenier.iam.evaluate import AccessRequest, Principal, is_allowed
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error

if TYPE_CHECKING:
    from grenier.s3.app import S3Service

ADMIN_RESOURCE = "arn:aws:s3:::*"


def authorize_admin(
    service: S3Service, store: IamStore | None, access_key: str | None, action: str
) -> None:
    """Raise AccessDenied unless ``access_key`` may perform the admin ``action``."""
    if access_key is None:
        raise S3Error("AccessDenied")
    if access_key == service.settings.root_access_key:
        return
    if store is None or service.principal_for is None:
        raise S3Error("AccessDenied")
    caller: Principal = service.principal_for(access_key)
    if caller.kind != "user" or not caller.name:
        raise S3Error("AccessDenied")
    policies = store.identity_policies(caller.name)
    wanted = AccessRequest(caller, action, None, None, resource=ADMIN_RESOURCE)
    if not is_allowed(wanted, policies, None):
        raise S3Error("AccessDenied", message=f"{action} is not allowed for this key.")
