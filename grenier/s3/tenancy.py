"""Accounts as the S3 protocol sees them: who owns a bucket or an object, what name and
ID S3 shows for an owner, which grantee an ACL names, and a bucket's effective Block
Public Access settings.

``Tenancy`` answers for a server with only the default account (no identity store);
``AccountTenancy`` (installed by :mod:`grenier.s3.authz`) reads the accounts of
``iam.db``. Handlers reach it as ``req.service.tenancy``.

Owners are stored as account canonical IDs: the bucket's in the engine's bucket record,
an object's in ``meta["owner"]`` only when it differs from its bucket's (objects written
by another account under ObjectWriter or BucketOwnerPreferred). Bucket records written
before accounts existed name ``root`` or an access key: they belong to the default
account (and are rewritten to its canonical ID at start).
"""

from __future__ import annotations

from typing import Any

from grenier.engine import Bucket, Engine
from grenier.iam.accounts import DEFAULT_ACCOUNT, DEFAULT_CANONICAL_ID, Account
from grenier.iam.arn import DEFAULT_ACCOUNT_ID, is_canonical_id
from grenier.iam.public_access import PublicAccessBlock
from grenier.iam.store import IamStore
from grenier.s3.errors import S3Error

ENFORCED = "BucketOwnerEnforced"
PREFERRED = "BucketOwnerPreferred"
WRITER = "ObjectWriter"
OWNERSHIPS = (ENFORCED, PREFERRED, WRITER)
FOREIGN = "foreign_owners"  # bucket.config flag: some object is owned by another account


def owner_of(bucket: Bucket) -> str:
    """The canonical ID of a bucket's owner (legacy records: the default account)."""
    owner = bucket.owner
    return owner.lower() if is_canonical_id(owner) else DEFAULT_CANONICAL_ID


def ownership_of(bucket: Bucket) -> str:
    """The bucket's object ownership: a setting, or "" (no ownership controls, which
    behaves as ObjectWriter). Buckets made before the setting existed have none stored
    and were BucketOwnerEnforced."""
    return str(bucket.config.get("ownership", ENFORCED))


def acls_enabled(bucket: Bucket) -> bool:
    return ownership_of(bucket) != ENFORCED


def object_owner(bucket: Bucket, meta: dict[str, Any]) -> str:
    """The canonical ID of an object's owner."""
    bucket_owner = owner_of(bucket)
    if not acls_enabled(bucket):
        return bucket_owner
    owner = meta.get("owner")
    return owner if isinstance(owner, str) and owner else bucket_owner


class Tenancy:
    """The default account only."""

    def __init__(self, default_ownership: str = "") -> None:
        self.default_ownership = default_ownership

    def account(self, canonical_id: str) -> Account | None:
        if canonical_id == DEFAULT_CANONICAL_ID:
            return Account(
                DEFAULT_ACCOUNT, DEFAULT_ACCOUNT_ID, DEFAULT_CANONICAL_ID, None, "enabled", ""
            )
        return None

    def by_email(self, email: str) -> Account | None:
        return None

    def account_names(self) -> list[str]:
        return [DEFAULT_ACCOUNT]

    def display_name(self, canonical_id: str) -> str:
        account = self.account(canonical_id)
        return account.name if account else canonical_id[:12]

    def account_id_of(self, canonical_id: str) -> str:
        account = self.account(canonical_id)
        return account.account_id if account else ""

    def account_block(self, account_id: str) -> PublicAccessBlock:
        return PublicAccessBlock()

    def block_for(self, bucket: Bucket) -> PublicAccessBlock:
        """The bucket's own settings OR its owner account's."""
        own = PublicAccessBlock.from_dict(bucket.config.get("public_access_block"))
        return own.merged(self.account_block(self.account_id_of(owner_of(bucket))))

    # --- ACL grantees ------------------------------------------------------------------

    def grantee_id(self, value: str) -> str:
        """A canonical ID an ACL grant names: it must be an account's (InvalidArgument)."""
        cid = value.strip().lower()
        if not is_canonical_id(cid) or self.account(cid) is None:
            raise S3Error(
                "InvalidArgument",
                message="Invalid id",
                extra={"ArgumentName": "id", "ArgumentValue": value},
            )
        return cid

    def grantee_email(self, email: str) -> str:
        account = self.by_email(email.strip())
        if account is None:
            raise S3Error("UnresolvableGrantByEmailAddress", extra={"EmailAddress": email})
        return account.canonical_id


class AccountTenancy(Tenancy):
    """Every account of the identity store."""

    def __init__(self, store: IamStore, default_ownership: str = "") -> None:
        super().__init__(default_ownership)
        self.store = store

    def account(self, canonical_id: str) -> Account | None:
        return self.store.account_by_canonical(canonical_id)

    def by_email(self, email: str) -> Account | None:
        return self.store.account_by_email(email)

    def account_names(self) -> list[str]:
        return [a.name for a in self.store.list_accounts()]

    def account_block(self, account_id: str) -> PublicAccessBlock:
        if not account_id:
            return PublicAccessBlock()
        return PublicAccessBlock.from_dict(self.store.public_access_block(account_id))


def adopt_legacy_owners(engine: Engine) -> int:
    """Give buckets recorded before accounts existed to the default account (their owner
    becomes its canonical ID). Idempotent; returns how many were rewritten."""
    legacy = [b.name for b in engine.list_buckets() if not is_canonical_id(b.owner)]
    for name in legacy:

        def update(bucket: Bucket) -> None:
            if not is_canonical_id(bucket.owner):
                bucket.owner = DEFAULT_CANONICAL_ID

        engine.update_bucket_sync(name, update)
    return len(legacy)
