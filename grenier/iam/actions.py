"""S3 operations -> IAM actions, and the set of valid ``s3:`` action names.

The table follows AWS's "Actions, resources, and condition keys for Amazon S3"
(Service Authorization Reference, "API operations defined by Amazon S3"): each
operation names the action(s) it needs and the kind of resource each is checked on.

Resource kinds:
  ``service``      no bucket (``arn:aws:s3:::``, matched by ``*`` and ``arn:aws:s3:::*``)
  ``bucket``       ``arn:aws:s3:::BUCKET``
  ``object``       ``arn:aws:s3:::BUCKET/KEY`` (the request's target)
  ``copy_source``  ``arn:aws:s3:::SRCBUCKET/SRCKEY`` (CopyObject, UploadPartCopy)
"""

from __future__ import annotations

from .patterns import wildcard_match

# Every action name AWS defines for the s3 service prefix (as of 2024), plus the
# MinIO extensions a MinIO-written policy may contain. Case-insensitive, like AWS.
_AWS_ACTIONS = """
AbortMultipartUpload AssociateAccessGrantsIdentityCenter BypassGovernanceRetention
CreateAccessGrant CreateAccessGrantsInstance CreateAccessGrantsLocation CreateAccessPoint
CreateAccessPointForObjectLambda CreateBucket CreateBucketMetadataTableConfiguration CreateJob
CreateMultiRegionAccessPoint CreateStorageLensGroup DeleteAccessGrant DeleteAccessGrantsInstance
DeleteAccessGrantsInstanceResourcePolicy DeleteAccessGrantsLocation DeleteAccessPoint
DeleteAccessPointForObjectLambda DeleteAccessPointPolicy DeleteAccessPointPolicyForObjectLambda
DeleteBucket DeleteBucketMetadataTableConfiguration DeleteBucketOwnershipControls
DeleteBucketPolicy DeleteBucketWebsite DeleteJobTagging DeleteMultiRegionAccessPoint
DeleteObject DeleteObjectTagging DeleteObjectVersion DeleteObjectVersionTagging
DeleteStorageLensConfiguration DeleteStorageLensConfigurationTagging DeleteStorageLensGroup
DescribeJob DescribeMultiRegionAccessPointOperation DissociateAccessGrantsIdentityCenter
GetAccelerateConfiguration GetAccessGrant GetAccessGrantsInstance
GetAccessGrantsInstanceForPrefix GetAccessGrantsInstanceResourcePolicy GetAccessGrantsLocation
GetAccessPoint GetAccessPointConfigurationForObjectLambda GetAccessPointForObjectLambda
GetAccessPointPolicy GetAccessPointPolicyForObjectLambda GetAccessPointPolicyStatus
GetAccessPointPolicyStatusForObjectLambda GetAccountPublicAccessBlock GetAnalyticsConfiguration
GetBucketAcl GetBucketCORS GetBucketLocation GetBucketLogging
GetBucketMetadataTableConfiguration GetBucketNotification GetBucketObjectLockConfiguration
GetBucketOwnershipControls GetBucketPolicy GetBucketPolicyStatus GetBucketPublicAccessBlock
GetBucketRequestPayment GetBucketTagging GetBucketVersioning GetBucketWebsite GetDataAccess
GetEncryptionConfiguration GetIntelligentTieringConfiguration GetInventoryConfiguration
GetJobTagging GetLifecycleConfiguration GetMetricsConfiguration GetMultiRegionAccessPoint
GetMultiRegionAccessPointPolicy GetMultiRegionAccessPointPolicyStatus
GetMultiRegionAccessPointRoutes GetObject GetObjectAcl GetObjectAttributes GetObjectLegalHold
GetObjectRetention GetObjectTagging GetObjectTorrent GetObjectVersion GetObjectVersionAcl
GetObjectVersionAttributes GetObjectVersionForReplication GetObjectVersionTagging
GetObjectVersionTorrent GetReplicationConfiguration GetStorageLensConfiguration
GetStorageLensConfigurationTagging GetStorageLensDashboard GetStorageLensGroup
InitiateReplication ListAccessGrants ListAccessGrantsInstances ListAccessGrantsLocations
ListAccessPoints ListAccessPointsForObjectLambda ListAllMyBuckets ListBucket
ListBucketMultipartUploads ListBucketVersions ListJobs ListMultiRegionAccessPoints
ListMultipartUploadParts ListStorageLensConfigurations ListStorageLensGroups
ListTagsForResource ObjectOwnerOverrideToBucketOwner PauseReplication
PutAccelerateConfiguration PutAccessGrantsInstanceResourcePolicy
PutAccessPointConfigurationForObjectLambda PutAccessPointPolicy
PutAccessPointPolicyForObjectLambda PutAccessPointPublicAccessBlock PutAccountPublicAccessBlock
PutAnalyticsConfiguration PutBucketAcl PutBucketCORS PutBucketLogging PutBucketNotification
PutBucketObjectLockConfiguration PutBucketOwnershipControls PutBucketPolicy
PutBucketPublicAccessBlock PutBucketRequestPayment PutBucketTagging PutBucketVersioning
PutBucketWebsite PutEncryptionConfiguration PutIntelligentTieringConfiguration
PutInventoryConfiguration PutJobTagging PutLifecycleConfiguration PutMetricsConfiguration
PutMultiRegionAccessPointPolicy PutObject PutObjectAcl PutObjectLegalHold PutObjectRetention
PutObjectTagging PutObjectVersionAcl PutObjectVersionTagging PutReplicationConfiguration
PutStorageLensConfiguration PutStorageLensConfigurationTagging ReplicateDelete ReplicateObject
ReplicateTags RestoreObject SubmitMultiRegionAccessPointRoutes TagResource UntagResource
UpdateAccessGrantsLocation UpdateJobPriority UpdateJobStatus UpdateStorageLensGroup
"""
_MINIO_ACTIONS = """
DeleteBucketCors ForceDeleteBucket HeadBucket ListenNotification ListenBucketNotification
PutBucketQOS GetBucketQOS ResetBucketReplicationState PutObjectFanOut
"""

S3_ACTIONS: frozenset[str] = frozenset(
    f"s3:{name}" for name in (_AWS_ACTIONS + _MINIO_ACTIONS).split()
)
_S3_ACTIONS_LOWER: frozenset[str] = frozenset(a.lower() for a in S3_ACTIONS)

# Services whose actions an identity policy may name besides s3 (checked for shape only).
OTHER_SERVICES = frozenset({"iam", "admin", "kms", "sts"})

# operation -> (action, kind) pairs; versioned variants in _VERSIONED.
_TABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "ListBuckets": (("s3:ListAllMyBuckets", "service"),),
    "CreateBucket": (("s3:CreateBucket", "bucket"),),
    "DeleteBucket": (("s3:DeleteBucket", "bucket"),),
    "HeadBucket": (("s3:ListBucket", "bucket"),),
    "GetBucketLocation": (("s3:GetBucketLocation", "bucket"),),
    "ListObjects": (("s3:ListBucket", "bucket"),),
    "ListObjectsV2": (("s3:ListBucket", "bucket"),),
    "ListObjectVersions": (("s3:ListBucketVersions", "bucket"),),
    "ListMultipartUploads": (("s3:ListBucketMultipartUploads", "bucket"),),
    "GetObject": (("s3:GetObject", "object"),),
    "HeadObject": (("s3:GetObject", "object"),),
    "SelectObjectContent": (("s3:GetObject", "object"),),
    "GetObjectAttributes": (("s3:GetObjectAttributes", "object"),),
    "PutObject": (("s3:PutObject", "object"),),
    "PostObject": (("s3:PutObject", "object"),),
    "CopyObject": (("s3:GetObject", "copy_source"), ("s3:PutObject", "object")),
    "DeleteObject": (("s3:DeleteObject", "object"),),
    "DeleteObjects": (("s3:DeleteObject", "object"),),
    "CreateMultipartUpload": (("s3:PutObject", "object"),),
    "UploadPart": (("s3:PutObject", "object"),),
    "UploadPartCopy": (("s3:GetObject", "copy_source"), ("s3:PutObject", "object")),
    "CompleteMultipartUpload": (("s3:PutObject", "object"),),
    "AbortMultipartUpload": (("s3:AbortMultipartUpload", "object"),),
    "ListParts": (("s3:ListMultipartUploadParts", "object"),),
    "RestoreObject": (("s3:RestoreObject", "object"),),
    "GetBucketPolicy": (("s3:GetBucketPolicy", "bucket"),),
    "PutBucketPolicy": (("s3:PutBucketPolicy", "bucket"),),
    "DeleteBucketPolicy": (("s3:DeleteBucketPolicy", "bucket"),),
    "GetBucketPolicyStatus": (("s3:GetBucketPolicyStatus", "bucket"),),
    "GetBucketVersioning": (("s3:GetBucketVersioning", "bucket"),),
    "PutBucketVersioning": (("s3:PutBucketVersioning", "bucket"),),
    "GetObjectTagging": (("s3:GetObjectTagging", "object"),),
    "PutObjectTagging": (("s3:PutObjectTagging", "object"),),
    "DeleteObjectTagging": (("s3:DeleteObjectTagging", "object"),),
    "GetBucketTagging": (("s3:GetBucketTagging", "bucket"),),
    "PutBucketTagging": (("s3:PutBucketTagging", "bucket"),),
    "DeleteBucketTagging": (("s3:PutBucketTagging", "bucket"),),
    "GetBucketCors": (("s3:GetBucketCORS", "bucket"),),
    "PutBucketCors": (("s3:PutBucketCORS", "bucket"),),
    "DeleteBucketCors": (("s3:PutBucketCORS", "bucket"),),
    "GetBucketLifecycleConfiguration": (("s3:GetLifecycleConfiguration", "bucket"),),
    "PutBucketLifecycleConfiguration": (("s3:PutLifecycleConfiguration", "bucket"),),
    "DeleteBucketLifecycle": (("s3:PutLifecycleConfiguration", "bucket"),),
    "GetBucketAcl": (("s3:GetBucketAcl", "bucket"),),
    "PutBucketAcl": (("s3:PutBucketAcl", "bucket"),),
    "GetObjectAcl": (("s3:GetObjectAcl", "object"),),
    "PutObjectAcl": (("s3:PutObjectAcl", "object"),),
    "GetBucketOwnershipControls": (("s3:GetBucketOwnershipControls", "bucket"),),
    "PutBucketOwnershipControls": (("s3:PutBucketOwnershipControls", "bucket"),),
    "DeleteBucketOwnershipControls": (("s3:PutBucketOwnershipControls", "bucket"),),
    "GetBucketEncryption": (("s3:GetEncryptionConfiguration", "bucket"),),
    "PutBucketEncryption": (("s3:PutEncryptionConfiguration", "bucket"),),
    "DeleteBucketEncryption": (("s3:PutEncryptionConfiguration", "bucket"),),
    "GetObjectLockConfiguration": (("s3:GetBucketObjectLockConfiguration", "bucket"),),
    "PutObjectLockConfiguration": (("s3:PutBucketObjectLockConfiguration", "bucket"),),
    "GetObjectRetention": (("s3:GetObjectRetention", "object"),),
    "PutObjectRetention": (("s3:PutObjectRetention", "object"),),
    "GetObjectLegalHold": (("s3:GetObjectLegalHold", "object"),),
    "PutObjectLegalHold": (("s3:PutObjectLegalHold", "object"),),
    "GetBucketNotificationConfiguration": (("s3:GetBucketNotification", "bucket"),),
    "PutBucketNotificationConfiguration": (("s3:PutBucketNotification", "bucket"),),
    "GetBucketWebsite": (("s3:GetBucketWebsite", "bucket"),),
    "PutBucketWebsite": (("s3:PutBucketWebsite", "bucket"),),
    "DeleteBucketWebsite": (("s3:DeleteBucketWebsite", "bucket"),),
    "GetPublicAccessBlock": (("s3:GetBucketPublicAccessBlock", "bucket"),),
    "PutPublicAccessBlock": (("s3:PutBucketPublicAccessBlock", "bucket"),),
    "DeletePublicAccessBlock": (("s3:PutBucketPublicAccessBlock", "bucket"),),
    "GetBucketReplication": (("s3:GetReplicationConfiguration", "bucket"),),
    "PutBucketReplication": (("s3:PutReplicationConfiguration", "bucket"),),
    "DeleteBucketReplication": (("s3:PutReplicationConfiguration", "bucket"),),
    "GetBucketLogging": (("s3:GetBucketLogging", "bucket"),),
    "PutBucketLogging": (("s3:PutBucketLogging", "bucket"),),
    "GetBucketAccelerateConfiguration": (("s3:GetAccelerateConfiguration", "bucket"),),
    "GetBucketRequestPayment": (("s3:GetBucketRequestPayment", "bucket"),),
}

# With a versionId, these actions become their ...Version... counterparts.
_VERSIONED: dict[str, str] = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}
# Operations whose versionId means "this version" (not "create a new version").
_VERSION_AWARE = frozenset(
    {
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "DeleteObjects",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObjectTagging",
        "GetObjectAcl",
        "PutObjectAcl",
        "GetObjectAttributes",
        "CopyObject",
        "UploadPartCopy",
    }
)

OPERATIONS: frozenset[str] = frozenset(_TABLE)


def actions_for(operation: str, *, version_id: str | None = None) -> list[tuple[str, str]]:
    """The (action, resource kind) pairs an operation needs, all of which must be allowed.

    ``version_id`` is the request's ``versionId`` (for CopyObject/UploadPartCopy: the
    copy source's). ``"null"`` counts as a version id, as in AWS. Raises ``KeyError`` for
    an operation not in the table.
    """
    rows = _TABLE[operation]
    if version_id is None or operation not in _VERSION_AWARE:
        return list(rows)
    return [_versioned(action, kind, operation) for action, kind in rows]


def _versioned(action: str, kind: str, operation: str) -> tuple[str, str]:
    if operation in ("CopyObject", "UploadPartCopy") and kind != "copy_source":
        return action, kind
    return _VERSIONED.get(action, action), kind


def is_known_s3_action(pattern: str) -> bool:
    """True if an ``s3:`` action pattern (wildcards allowed) names at least one action."""
    lowered = pattern.lower()
    if "*" not in lowered and "?" not in lowered:
        return lowered in _S3_ACTIONS_LOWER
    return any(wildcard_match(lowered, name) for name in _S3_ACTIONS_LOWER)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, with ``*`` and ``?``."""
    return wildcard_match(pattern, action, ignore_case=True)
