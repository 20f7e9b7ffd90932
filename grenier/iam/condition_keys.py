"""Which condition keys a policy may name.

Bucket policies (S3) accept the global ``aws:`` keys and the ``s3:`` keys; identity
policies also accept keys of the other services they may govern (``iam:``, ``kms:``,
``sts:``). Key names are case-insensitive, as in AWS.
"""

from __future__ import annotations

S3_KEYS = frozenset(
    k.lower()
    for k in (
        "s3:prefix",
        "s3:delimiter",
        "s3:max-keys",
        "s3:VersionId",
        "s3:x-amz-acl",
        "s3:x-amz-content-sha256",
        "s3:x-amz-copy-source",
        "s3:x-amz-metadata-directive",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-customer-algorithm",
        "s3:x-amz-storage-class",
        "s3:x-amz-website-redirect-location",
        "s3:RequestObjectTagKeys",
        "s3:ResourceAccount",
        "s3:TlsVersion",
        "s3:authType",
        "s3:signatureAge",
        "s3:signatureversion",
        "s3:LocationConstraint",
        "s3:AccessPointNetworkOrigin",
        "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn",
        "s3:if-match",
        "s3:if-none-match",
        "s3:ExistingJobOperation",
        "s3:ExistingJobPriority",
        "s3:JobSuspendedCause",
        "s3:RequestJobOperation",
        "s3:RequestJobPriority",
        "s3:object-lock-legal-hold",
        "s3:object-lock-mode",
        "s3:object-lock-retain-until-date",
        "s3:object-lock-remaining-retention-days",
        "s3:BucketOwnershipControls",
    )
)
S3_KEY_PREFIXES = ("s3:existingobjecttag/", "s3:requestobjecttag/", "s3:x-amz-grant-")
OTHER_SERVICE_PREFIXES = ("iam:", "kms:", "sts:")


def is_known_key(key: str, *, bucket_policy: bool) -> bool:
    lowered = key.lower()
    if lowered.startswith("aws:") and len(lowered) > 4:
        return True
    if lowered in S3_KEYS:
        return True
    if any(lowered.startswith(p) and len(lowered) > len(p) for p in S3_KEY_PREFIXES):
        return True
    if bucket_policy:
        return False
    return any(lowered.startswith(p) and len(lowered) > len(p) for p in OTHER_SERVICE_PREFIXES)
