"""Bucket sub-resources Grenier does not configure, answered as AWS answers a bucket that
never had them (so SDKs, mc and infrastructure tools that read them all work)."""

from __future__ import annotations

from aiohttp import web

from grenier.s3 import xml
from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error
from grenier.s3.handlers import handles
from grenier.s3.responses import xml_response

NOT_FOUND = {
    "GetBucketEncryption": "ServerSideEncryptionConfigurationNotFoundError",
    "GetObjectLockConfiguration": "ObjectLockConfigurationNotFoundError",
    "GetBucketWebsite": "NoSuchWebsiteConfiguration",
    "GetBucketReplication": "ReplicationConfigurationNotFoundError",
}
EMPTY = {
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
}
UNSUPPORTED = (
    "PutBucketEncryption",
    "PutObjectLockConfiguration",
    "PutBucketWebsite",
    "PutBucketReplication",
    "PutBucketLogging",
    "PutBucketNotificationConfiguration",
    "PutBucketAccelerateConfiguration",
    "PutBucketRequestPayment",
    "GetObjectRetention",
    "PutObjectRetention",
    "GetObjectLegalHold",
    "PutObjectLegalHold",
    "RestoreObject",
    "SelectObjectContent",
)
NOTHING_TO_DELETE = (
    "DeleteBucketEncryption",
    "DeleteBucketWebsite",
    "DeleteBucketReplication",
)


@handles(*NOT_FOUND)
async def not_configured(req: S3Request) -> web.StreamResponse:
    req.bucket_state()
    raise S3Error(NOT_FOUND[req.operation], extra={"BucketName": req.require_bucket()})


@handles(*EMPTY)
async def empty_configuration(req: S3Request) -> web.StreamResponse:
    req.bucket_state()
    return xml_response(xml.doc(EMPTY[req.operation], []))


@handles("GetBucketRequestPayment")
async def request_payment(req: S3Request) -> web.StreamResponse:
    req.bucket_state()
    return xml_response(xml.doc("RequestPaymentConfiguration", [xml.el("Payer", "BucketOwner")]))


@handles(*UNSUPPORTED)
async def unsupported(req: S3Request) -> web.StreamResponse:
    if req.bucket is not None:
        req.bucket_state()
    raise S3Error("NotImplemented", message=f"{req.operation} is not supported by Grenier.")


@handles(*NOTHING_TO_DELETE)
async def delete_nothing(req: S3Request) -> web.StreamResponse:
    req.bucket_state()
    return web.Response(status=204)
