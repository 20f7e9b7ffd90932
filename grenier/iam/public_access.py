"""Block Public Access settings: the four switches and how bucket and account combine.

A bucket's effective settings are its own OR its owner account's (AWS applies the most
restrictive combination). What "public" means is in :mod:`grenier.iam.public`
(policies) and :func:`grenier.iam.acl.is_public` (ACLs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELDS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(frozen=True)
class PublicAccessBlock:
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PublicAccessBlock:
        if not data:
            return NO_BLOCK
        return cls(*(bool(data.get(name, False)) for name in FIELDS))

    def to_dict(self) -> dict[str, bool]:
        values = (
            self.block_public_acls,
            self.ignore_public_acls,
            self.block_public_policy,
            self.restrict_public_buckets,
        )
        return dict(zip(FIELDS, values, strict=True))

    def merged(self, other: PublicAccessBlock) -> PublicAccessBlock:
        return PublicAccessBlock(
            self.block_public_acls or other.block_public_acls,
            self.ignore_public_acls or other.ignore_public_acls,
            self.block_public_policy or other.block_public_policy,
            self.restrict_public_buckets or other.restrict_public_buckets,
        )


NO_BLOCK = PublicAccessBlock()
