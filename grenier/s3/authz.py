"""Who may do what: the IAM layer plugged into the S3 service's seams.

``install(service, cfg)`` wires the identity store (``DATA_DIR/iam.db``) and AWS's policy
evaluation into every request:

* root (the server's credentials) is a fast path: no policy work at all;
* a user's access key must be Active and its user enabled (checked by the signature
  look-up on every request, straight from the store, so a deleted or deactivated key is
  refused by the very next request);
* every operation maps to its action(s) and resource (``grenier.iam.actions``); explicit
  Deny wins, then Allow from the user's policies (its own and its groups'), the bucket
  policy, or a canned ACL's grants (``grenier.iam.acl``); else AccessDenied.

Identity policies come from the store's cache, which is dropped whenever another
connection (another worker, another process) commits: nothing here can go stale. Bucket
policies are read with the bucket (one indexed read) and parsed once per distinct text.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from grenier.engine import EngineError
from grenier.iam import acl, request_keys
from grenier.iam.actions import actions_for
from grenier.iam.errors import PolicyError
from grenier.iam.evaluate import AccessRequest, Principal, is_allowed
from grenier.iam.policy import Policy, parse_bucket_policy
from grenier.iam.store import IamStore
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

log = logging.getLogger(__name__)

ROOT = Principal("root", "root")
ANONYMOUS = Principal.anonymous()
_READS = frozenset({"s3:GetObject", "s3:GetObjectVersion"})
_STATE = "authz"  # S3Request.extra slot holding the per-request look-ups


@lru_cache(maxsize=512)
def cached_bucket_policy(bucket: str, text: str) -> Policy | None:
    """A stored bucket policy, parsed once per distinct text (it was validated on PUT)."""
    try:
        return parse_bucket_policy(text, bucket)
    except PolicyError as exc:  # stored by an older version or edited by hand
        log.warning("bucket %s: ignoring an unreadable policy (%s)", bucket, exc.message)
        return None


class Authorizer:
    """The four seams of :class:`S3Service`, backed by one :class:`IamStore`."""

    def __init__(self, service: S3Service, store: IamStore) -> None:
        self.service = service
        self.store = store
        self.root_key = service.settings.root_access_key

    # --- identities ------------------------------------------------------------------

    def secret(self, access_key: str) -> str | None:
        found = self.store.secret_for(access_key)
        return found[0] if found else None

    def principal(self, access_key: str | None) -> Principal:
        if access_key is None:
            return ANONYMOUS
        if access_key == self.root_key:
            return ROOT
        found = self.store.secret_for(access_key)
        if found is None:  # deleted between the signature check and now
            raise S3Error("InvalidAccessKeyId")
        return found[1]

    # --- decisions -------------------------------------------------------------------

    def authorize(self, req: S3Request) -> None:
        """Allow the request's own actions (copy sources and batch items come later)."""
        principal = req.principal or ANONYMOUS
        if principal.kind == "root":
            return
        if req.operation == "DeleteObjects":
            return  # each key is checked by authorize_item (AWS: s3:DeleteObject per key)
        try:
            rows = actions_for(req.operation, version_id=req.query.get("versionId"))
        except KeyError:
            raise S3Error("AccessDenied") from None
        state = _state(self, req)
        for action, kind in rows:
            if kind == "copy_source":
                continue  # the handler calls authorize_item with the parsed source
            key = req.key if kind == "object" else None
            bucket = req.bucket if kind != "service" else None
            if not state.allowed(action, bucket, key, req.query.get("versionId")):
                raise S3Error("AccessDenied")

    def authorize_item(self, req: S3Request, op: str, key: str, version_id: str | None) -> None:
        """One key of DeleteObjects (``op`` "DeleteObject"), or a copy source
        (``op`` "GetObject:source", ``key`` "srcbucket/srckey")."""
        principal = req.principal or ANONYMOUS
        if principal.kind == "root":
            return
        if op == "GetObject:source":
            bucket, _, key = key.partition("/")
            rows = actions_for("CopyObject", version_id=version_id)
            actions = [a for a, kind in rows if kind == "copy_source"]
        else:
            bucket = req.require_bucket()
            actions = [a for a, _kind in actions_for(op, version_id=version_id)]
        state = _state(self, req)
        for action in actions:
            if not state.allowed(action, bucket, key, version_id):
                raise S3Error("AccessDenied")


class _RequestState:
    """Look-ups made at most once per request, shared by its checks."""

    def __init__(self, authz: Authorizer, req: S3Request) -> None:
        self.authz = authz
        self.req = req
        self.principal: Principal = req.principal or ANONYMOUS
        self._identity: list[Policy] | None = None
        self._context: request_keys.Context | None = None
        self._buckets: dict[str, tuple[Policy | None, tuple[Policy, ...]]] = {}

    def allowed(
        self, action: str, bucket: str | None, key: str | None, version: str | None
    ) -> bool:
        identity = self.identity()
        bucket_policy, grants = self.bucket(bucket) if bucket else (None, ())
        context = self.context()
        if key is not None and request_keys.mentions_existing_tags([*identity, bucket_policy]):
            obj = self._object(bucket, key, version)
            tags = obj.tags if obj is not None else {}
            context = {**context, **request_keys.existing_tag_keys(tags)}
        request = AccessRequest(self.principal, action, bucket, key, context)
        if is_allowed(request, identity, bucket_policy, grants):
            return True
        if key is None or bucket is None or action not in _READS:
            return False
        obj = self._object(bucket, key, version)
        object_grants = (
            acl.object_acl_policy(bucket, key, str(obj.meta.get("acl") or "")) if obj else None
        )
        if object_grants is None:
            return False
        return is_allowed(request, identity, bucket_policy, (*grants, object_grants))

    def identity(self) -> list[Policy]:
        if self._identity is None:
            user = self.principal.name if self.principal.kind == "user" else None
            self._identity = self.authz.store.identity_policies(user) if user else []
        return self._identity

    def bucket(self, name: str) -> tuple[Policy | None, tuple[Policy, ...]]:
        if name not in self._buckets:
            try:
                config = self.authz.service.engine.get_bucket(name).config
            except EngineError:
                config = {}  # no bucket: nothing granted (the handler says NoSuchBucket)
            text = config.get("policy")
            policy = cached_bucket_policy(name, text) if isinstance(text, str) else None
            grants = acl.bucket_acl_policy(name, str(config.get("acl") or ""))
            self._buckets[name] = (policy, (grants,) if grants else ())
        return self._buckets[name]

    def context(self) -> request_keys.Context:
        if self._context is None:
            http = self.req.http
            self._context = request_keys.request_keys(
                self.req.operation,
                self.req.query,
                http.headers,
                source_ip=http.remote,
                secure=http.secure,
                auth_scheme=self.req.auth.scheme,
            )
        return self._context

    def _object(self, bucket: str | None, key: str, version: str | None) -> Any:
        if bucket is None:
            return None
        try:
            return self.authz.service.engine.get_object(bucket, key, version)
        except EngineError:
            return None


def _state(authz: Authorizer, req: S3Request) -> _RequestState:
    state = req.extra.get(_STATE)
    if state is None:
        state = req.extra[_STATE] = _RequestState(authz, req)
    return state  # type: ignore[no-any-return]


def install(service: S3Service, cfg: ServerConfig) -> None:
    authz = Authorizer(service, IamStore.shared(cfg.data_dir))
    service.secret_lookup = authz.secret
    service.principal_for = authz.principal
    service.authorizer = authz.authorize
    service.item_authorizer = authz.authorize_item
