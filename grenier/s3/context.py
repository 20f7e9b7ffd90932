"""What a handler receives: the request, its operation, who made it, and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from grenier.engine import Bucket, Engine
from grenier.s3.auth import AuthContext

if TYPE_CHECKING:
    from grenier.s3.app import S3Service


@dataclass
class S3Request:
    http: web.Request
    service: S3Service
    request_id: str
    operation: str
    bucket: str | None
    key: str | None
    query: dict[str, str]
    auth: AuthContext
    principal: Any = None  # grenier.iam Principal once the IAM layer is wired
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> Any:
        return self.http.headers

    @property
    def engine(self) -> Engine:
        return self.service.engine

    def resource(self) -> str:
        if self.bucket is None:
            return "/"
        return f"/{self.bucket}/{self.key}" if self.key is not None else f"/{self.bucket}"

    def bucket_state(self) -> Bucket:
        """The bucket's engine record, read once per request (NoSuchBucket if absent)."""
        state: Bucket | None = self.extra.get("bucket_state")
        if state is None:
            state = self.engine.get_bucket(self.require_bucket())
            self.extra["bucket_state"] = state
        return state

    def require_bucket(self) -> str:
        assert self.bucket is not None
        return self.bucket

    def require_key(self) -> str:
        assert self.key is not None
        return self.key
