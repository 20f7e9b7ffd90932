"""Who may do what: the IAM layer plugged into the S3 service's seams.

``install(service, cfg)`` wires the identity store (``DATA_DIR/iam.db``) and the one
access decision (:func:`grenier.iam.decide.decide`) into every request:

* root (the server's credentials, the system administrator) is a fast path: no policy
  work at all;
* an access key must be Active, its user (or account root) enabled and its account
  enabled (checked by the signature look-up on every request, straight from the store,
  so a deleted or deactivated key is refused by the very next request);
* every operation maps to its action(s) and resource (``grenier.iam.actions``); the
  decision weighs the caller's identity policies, the bucket policy, the bucket's and
  the object's ACL and Block Public Access, across accounts.

This module only gathers the inputs. Identity policies come from the store's cache
(dropped whenever another connection commits); a bucket policy is read with the bucket
(one indexed read) and parsed once per distinct text; an object's owner and ACL are
read only when they can matter: the bucket holds objects of another account, a policy
names ``s3:ExistingObjectTag/…``, or the object's ACL could grant what was otherwise
denied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from grenier.engine import Bucket, EngineError
from grenier.iam import acl, request_keys
from grenier.iam.actions import actions_for
from grenier.iam.decide import OBJECT_CONTEXT, BucketView, ObjectView, decide, needs_object_acl
from grenier.iam.errors import PolicyError
from grenier.iam.evaluate import AccessRequest, Principal
from grenier.iam.policy import Policy, parse_bucket_policy
from grenier.iam.public import is_public
from grenier.iam.public_access import PublicAccessBlock
from grenier.iam.store import IamStore
from grenier.s3 import tenancy as tn
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig

log = logging.getLogger(__name__)

ROOT = Principal("root", "root")
ANONYMOUS = Principal.anonymous()
_STATE = "authz"  # S3Request.extra slot holding the per-request look-ups
_DEFERRED = "authz_deferred"
# Operations whose condition keys partly come from the body: decided again by the
# handler once it is parsed (see Authorizer.authorize_body).
_BODY_KEYS = {"PutObjectTagging": "s3:requestobjecttag"}


@lru_cache(maxsize=512)
def cached_bucket_policy(bucket: str, text: str) -> Policy | None:
    """A stored bucket policy, parsed once per distinct text (it was validated on PUT)."""
    try:
        return parse_bucket_policy(text, bucket)
    except PolicyError as exc:  # stored by an older version or edited by hand
        log.warning("bucket %s: ignoring an unreadable policy (%s)", bucket, exc.message)
        return None


@lru_cache(maxsize=512)
def _policy_public(policy: Policy) -> bool:
    return is_public(policy)


class Authorizer:
    """The seams of :class:`S3Service`, backed by one :class:`IamStore`."""

    def __init__(self, service: S3Service, store: IamStore) -> None:
        self.service = service
        self.store = store
        self.tenancy = tn.AccountTenancy(store)
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

    def visible(self, req: S3Request, bucket: Bucket) -> bool:
        """ListBuckets shows a caller its own account's buckets (root: all)."""
        principal = req.principal or ANONYMOUS
        return principal.kind == "root" or tn.owner_of(bucket) == principal.canonical_id

    # --- decisions -------------------------------------------------------------------

    def authorize(self, req: S3Request) -> None:
        """Allow the request's own actions (copy sources and batch items come later)."""
        principal = req.principal or ANONYMOUS
        if "x-amz-expected-bucket-owner" in req.headers:
            _state(self, req).check_expected_owner()
        if principal.kind == "root":
            return
        state = _state(self, req)
        if req.operation == "DeleteObjects":
            return  # each key is checked by authorize_item (AWS: s3:DeleteObject per key)
        try:
            rows = actions_for(req.operation, version_id=req.query.get("versionId"))
        except KeyError:
            raise S3Error("AccessDenied") from None
        for action, kind in rows:
            if kind == "copy_source":
                continue  # the handler calls authorize_item with the parsed source
            key = req.key if kind == "object" else None
            bucket = req.bucket if kind != "service" else None
            if not state.allowed(action, bucket, key, req.query.get("versionId")):
                if state.may_defer(action):
                    req.extra[_DEFERRED] = True
                    continue
                raise S3Error("AccessDenied")

    def authorize_body(self, req: S3Request, context: Mapping[str, str | list[str]]) -> None:
        """Decide again with condition keys read from the body (PutObjectTagging's tags)."""
        principal = req.principal or ANONYMOUS
        if principal.kind == "root":
            return
        state = _state(self, req)
        state.extra_context.update(context)
        rows = actions_for(req.operation, version_id=req.query.get("versionId"))
        for action, kind in rows:
            key = req.key if kind == "object" else None
            if not state.allowed(action, req.bucket, key, req.query.get("versionId")):
                raise S3Error("AccessDenied")
        req.extra.pop(_DEFERRED, None)

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
        self._buckets: dict[str, tuple[Bucket, BucketView] | None] = {}
        self.extra_context: request_keys.Context = {}

    def allowed(
        self, action: str, bucket: str | None, key: str | None, version: str | None
    ) -> bool:
        identity = self.identity()
        found = self.bucket(bucket) if bucket and action != "s3:CreateBucket" else None
        record, view = found if found else (None, None)
        context = self.context()
        if record is not None:
            context = {**context, "s3:ResourceAccount": self._account_id(view)}
        obj: Any = None
        if key is not None and record is not None:
            policies = [*identity, view.policy if view else None]
            if request_keys.mentions_existing_tags(policies):
                obj = self._object(bucket, key, version)
                tags = obj.tags if obj is not None else {}
                context = {**context, **request_keys.existing_tag_keys(tags)}
            elif action in OBJECT_CONTEXT and record.config.get(tn.FOREIGN):
                obj = self._object(bucket, key, version)
        request = AccessRequest(self.principal, action, bucket, key, context)
        object_view = self._object_view(record, obj) if obj is not None else None
        if decide(request, identity, view, object_view):
            return True
        if obj is not None or record is None or key is None or not needs_object_acl(request):
            return False
        if view is None or not view.acls_enabled:
            return False
        obj = self._object(bucket, key, version)
        if obj is None:
            return False
        return decide(request, identity, view, self._object_view(record, obj))

    def may_defer(self, action: str) -> bool:
        """A denial the handler decides again with keys from the body."""
        prefix = _BODY_KEYS.get(self.req.operation)
        if prefix is None:
            return False
        found = self.bucket(self.req.bucket) if self.req.bucket else None
        policies = [*self.identity(), found[1].policy if found else None]
        return any(
            c.key.lower().startswith(prefix)
            for p in policies
            if p is not None
            for s in p.statements
            for c in s.conditions
        )

    def check_expected_owner(self) -> None:
        """``x-amz-expected-bucket-owner``: the bucket must belong to that account."""
        expected = self.req.headers.get("x-amz-expected-bucket-owner")
        if expected is None or not self.req.bucket or self.req.operation == "CreateBucket":
            return
        found = self.bucket(self.req.bucket)
        if found is not None and self._account_id(found[1]) != expected.strip():
            raise S3Error("AccessDenied")

    def identity(self) -> list[Policy]:
        if self._identity is None:
            self._identity = self.authz.store.policies_of(self.principal)
        return self._identity

    def bucket(self, name: str) -> tuple[Bucket, BucketView] | None:
        if name not in self._buckets:
            try:
                record = self.authz.service.engine.get_bucket(name)
            except EngineError:
                self._buckets[name] = None  # no bucket: the handler says NoSuchBucket
                return None
            self._buckets[name] = (record, self._view(record))
        return self._buckets[name]

    def _view(self, record: Bucket) -> BucketView:
        tenancy = self.authz.tenancy
        config = record.config
        text = config.get("policy")
        policy = cached_bucket_policy(record.name, text) if isinstance(text, str) else None
        owner = tn.owner_of(record)
        account = tenancy.account(owner)
        account_id = account.account_id if account is not None else ""
        own_block = PublicAccessBlock.from_dict(config.get("public_access_block"))
        return BucketView(
            name=record.name,
            owner=owner,
            owner_account=account_id,
            policy=policy,
            acl=acl.stored_grants(config.get("acl"), owner),
            acls_enabled=tn.acls_enabled(record),
            block=own_block.merged(tenancy.account_block(account_id)),
            policy_public=_policy_public(policy) if policy is not None else False,
            disabled=account is not None and not account.enabled,
        )

    @staticmethod
    def _account_id(view: BucketView | None) -> str:
        return view.owner_account if view else ""

    def _object_view(self, record: Bucket | None, obj: Any) -> ObjectView | None:
        if record is None:
            return None
        owner = tn.object_owner(record, obj.meta)
        grants = acl.stored_grants(obj.meta.get("acl"), owner, tn.owner_of(record))
        return ObjectView(owner, grants)

    def context(self) -> request_keys.Context:
        if self._context is None:
            http = self.req.http
            headers: Mapping[str, str] = http.headers
            if self.req.operation in request_keys.UPLOAD_OPERATIONS:
                headers = self._with_upload_headers(headers)
            self._context = request_keys.request_keys(
                self.req.operation,
                self.req.query,
                headers,
                source_ip=http.remote,
                secure=http.secure,
                auth_scheme=self.req.auth.scheme,
            )
        if self.extra_context:
            return {**self._context, **self.extra_context}
        return self._context

    def _with_upload_headers(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """A part or a completion is judged with its upload's CreateMultipartUpload headers
        (ACL, grants, tags, encryption, storage class), as the single PUT it amounts to.
        Read only when some policy has conditions at all."""
        found = self.bucket(self.req.bucket) if self.req.bucket else None
        policies = [*self.identity(), found[1].policy if found else None]
        if not any(s.conditions for p in policies if p is not None for s in p.statements):
            return headers
        upload_id, key = self.req.query.get("uploadId"), self.req.key
        if not upload_id or key is None or self.req.bucket is None:
            return headers
        try:
            upload = self.authz.service.engine.get_upload(self.req.bucket, key, upload_id)
        except EngineError:
            return headers  # the handler answers NoSuchUpload
        saved = upload.meta.get("request") or {}
        if not saved:
            return headers
        merged = {name.lower(): value for name, value in headers.items()}
        return {**saved, **merged}

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
    authz.tenancy.default_ownership = cfg.default_object_ownership
    service.tenancy = authz.tenancy
    service.secret_lookup = authz.secret
    service.principal_for = authz.principal
    service.authorizer = authz.authorize
    service.body_authorizer = authz.authorize_body
    service.item_authorizer = authz.authorize_item
    service.bucket_filter = authz.visible
    tn.adopt_legacy_owners(service.engine)
