"""Archive buckets at the protocol edge: the operations a read-only archive answers.

An archive bucket (``grenier server --archive NAME=PATH``) serves a directory tree in
place. Every operation that reads (``Get*``, ``Head*``, ``List*``) goes to its handler as
on any bucket; so do the bucket settings an administrator keeps on it (policy, tags,
CORS, ACL, ownership, public access block). Everything else — object writes and deletes, multipart uploads,
POST uploads, versioning and lifecycle rules, deleting the bucket — is refused with
AccessDenied, whoever asks (root included): the tree belongs to whoever writes it on disk.

Before a read of a virtual Zarr key (``X.nc.zarr/...``) or a listing inside one, the
engine builds the store's references on a worker thread, so that the event loop never
waits on kerchunk.
"""

from __future__ import annotations

from grenier.s3.context import S3Request
from grenier.s3.errors import S3Error

READS = ("Get", "Head", "List")
SETTINGS = frozenset(
    {
        "CreateBucket",  # answered BucketAlreadyOwnedByYou, as for any existing bucket
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "PutBucketTagging",
        "DeleteBucketTagging",
        "PutBucketCors",
        "DeleteBucketCors",
        "PutBucketAcl",
        "PutBucketOwnershipControls",
        "DeleteBucketOwnershipControls",
        "PutPublicAccessBlock",
        "DeletePublicAccessBlock",
    }
)
OBJECT_READS = frozenset({"GetObject", "HeadObject", "GetObjectAttributes"})
LISTINGS = frozenset({"ListObjects", "ListObjectsV2", "ListObjectVersions"})


async def gate(req: S3Request) -> None:
    """Refuse what an archive cannot do; warm up virtual Zarr reads."""
    op = req.operation
    if not op.startswith(READS) and op not in SETTINGS:
        raise S3Error(
            "AccessDenied",
            message=f"{req.bucket} is a read-only archive bucket: {op} is not allowed.",
        )
    bucket = req.require_bucket()
    if op in OBJECT_READS and req.key is not None:
        await req.engine.prepare_archive_read(bucket, req.key)
    elif op in LISTINGS:
        prefix = req.query.get("prefix", "")
        await req.engine.prepare_archive_read(bucket, prefix, for_listing=True)
