"""Operation handlers, one module per operation family, registered by AWS name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from grenier.s3.context import S3Request

Handler = Callable[[S3Request], Awaitable[web.StreamResponse]]
HANDLERS: dict[str, Handler] = {}


def handles(*operations: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for op in operations:
            HANDLERS[op] = fn
        return fn

    return register


def _load() -> None:
    from grenier.s3.handlers import (  # noqa: F401
        acl,
        attributes,
        bucket_defaults,
        buckets,
        copy,
        cors,
        delete,
        get,
        lifecycle,
        listing,
        multipart,
        policy,
        post_object,
        public_access,
        put,
        tagging,
        versioning,
    )


_load()
