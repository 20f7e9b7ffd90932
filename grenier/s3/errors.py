"""S3 errors: one exception type, one table of codes.

Every failure a client can see is an :class:`S3Error` carrying an AWS error code.
The HTTP status and default message come from :data:`ERRORS`, so handlers only
name the code (``raise S3Error("NoSuchKey", key=key)``). The XML body is rendered
once, at the edge (``grenier.s3.app``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grenier.engine import EngineError

# code -> (HTTP status, default message). Statuses follow the AWS S3 API reference
# ("List of error codes"); the Grenier-specific quota code follows MinIO's.
ERRORS: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "Access Denied."),
    "AccountProblem": (403, "There is a problem with your account."),
    "AllAccessDisabled": (403, "All access to this resource has been disabled."),
    "AuthorizationHeaderMalformed": (400, "The authorization header is malformed."),
    "AuthorizationQueryParametersError": (400, "Error parsing the X-Amz-Credential parameter."),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BucketAlreadyExists": (409, "The requested bucket name is not available."),
    "BucketAlreadyOwnedByYou": (
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    ),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty."),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed object size."),
    "EntityTooSmall": (
        400,
        "Your proposed upload is smaller than the minimum allowed object size.",
    ),
    "ExpiredToken": (400, "The provided token has expired."),
    "IncompleteBody": (
        400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    ),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    # A full disk (Grenier, like MinIO's XMinioStorageFull: WebDAV's 507). Deletes and
    # metadata updates still work (the engine keeps a reserve for them).
    "InsufficientStorage": (
        507,
        "The server's disk is full. Delete objects to free space, then retry.",
    ),
    "InvalidAccessKeyId": (
        403,
        "The AWS access key ID you provided does not exist in our records.",
    ),
    "InvalidArgument": (400, "Invalid Argument"),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidBucketState": (409, "The request is not valid with the current state of the bucket."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidEncryptionAlgorithmError": (400, "The encryption request you specified is not valid."),
    "InvalidObjectState": (403, "The operation is not valid for the current state of the object."),
    "InvalidPart": (
        400,
        "One or more of the specified parts could not be found. The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
    ),
    "InvalidPartOrder": (
        400,
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
    ),
    "InvalidRange": (416, "The requested range is not satisfiable"),
    "InvalidRequest": (400, "Invalid Request"),
    "InvalidStorageClass": (400, "The storage class you specified is not valid."),
    "InvalidTag": (400, "The tag provided was not a valid tag."),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "KeyTooLongError": (400, "Your key is too long."),
    "MalformedACLError": (400, "The XML you provided was not well-formed or did not validate."),
    "MalformedPOSTRequest": (400, "The body of your POST request is not well-formed."),
    "MalformedXML": (
        400,
        "The XML you provided was not well-formed or did not validate against our published schema.",
    ),
    "MalformedPolicy": (400, "Policy has invalid resource."),
    "MaxMessageLengthExceeded": (400, "Your request was too big."),
    "MetadataTooLarge": (400, "Your metadata headers exceed the maximum allowed metadata size."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "MissingRequestBodyError": (400, "Request Body is empty."),
    "MissingSecurityHeader": (400, "Your request is missing a required header."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "NoSuchBucketPolicy": (404, "The bucket policy does not exist."),
    "NoSuchCORSConfiguration": (404, "The CORS configuration does not exist."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchLifecycleConfiguration": (404, "The lifecycle configuration does not exist."),
    "NoSuchTagSet": (404, "The TagSet does not exist."),
    "NoSuchUpload": (
        404,
        "The specified multipart upload does not exist. The upload ID might not be valid, or "
        "the multipart upload might have been aborted or completed.",
    ),
    "NoSuchVersion": (404, "The specified version does not exist."),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented."),
    "NotModified": (304, "Not Modified"),
    "OwnershipControlsNotFoundError": (404, "The bucket ownership controls were not found."),
    "AccessControlListNotSupported": (400, "The bucket does not allow ACLs."),
    "PreconditionFailed": (412, "At least one of the pre-conditions you specified did not hold"),
    "ConditionalRequestConflict": (
        409,
        "A conflicting conditional operation is currently in progress against this resource.",
    ),
    "RequestTimeTooSkewed": (
        403,
        "The difference between the request time and the server's time is too large.",
    ),
    "RequestTimeout": (
        400,
        "Your socket connection to the server was not read from or written to within the "
        "timeout period.",
    ),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "SignatureDoesNotMatch": (
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    ),
    "SlowDown": (503, "Please reduce your request rate."),
    "UnexpectedContent": (400, "This request does not support content."),
    "XAmzContentSHA256Mismatch": (
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    ),
    "XAmzContentChecksumMismatch": (
        400,
        "The provided 'x-amz-checksum' header does not match what was computed.",
    ),
    "InvalidChunkSizeError": (
        403,
        "Only the last chunk is allowed to have a size less than 8192 bytes",
    ),
    "IncorrectNumberOfFilesInPostRequest": (
        400,
        "POST requires exactly one file upload per request.",
    ),
    "EntityTooLargePolicy": (400, "Your proposed upload exceeds the maximum allowed size."),
    "TooManyBuckets": (400, "You have attempted to create more buckets than allowed."),
    "XMinioAdminBucketQuotaExceeded": (400, "Bucket quota exceeded"),
    "QuotaExceeded": (400, "Bucket quota exceeded"),
    "ServerSideEncryptionConfigurationNotFoundError": (
        404,
        "The server side encryption configuration was not found.",
    ),
    "NoSuchObjectLockConfiguration": (
        404,
        "The specified object does not have a ObjectLock configuration.",
    ),
    "ObjectLockConfigurationNotFoundError": (
        404,
        "Object Lock configuration does not exist for this bucket",
    ),
    "NoSuchWebsiteConfiguration": (
        404,
        "The specified bucket does not have a website configuration",
    ),
    "ReplicationConfigurationNotFoundError": (404, "The replication configuration was not found"),
    "NoSuchPublicAccessBlockConfiguration": (
        404,
        "The public access block configuration was not found",
    ),
    # Bucket features (CORS preflight, ownership controls, POST Object).
    "AccessForbidden": (
        403,
        "CORSResponse: This CORS request is not allowed. This is usually because the "
        "evalution of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    ),
    "BadRequest": (400, "Insufficient information. Origin request header needed."),
    "InvalidBucketAclWithObjectOwnership": (
        400,
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    ),
    "InvalidPolicyDocument": (400, "Invalid Policy: Invalid JSON."),
    # Accounts, ACL grantees.
    "UnresolvableGrantByEmailAddress": (
        400,
        "The e-mail address you provided does not match any account on record.",
    ),
}


@dataclass
class S3Error(Exception):
    """An error that is answered to the client as an S3 XML error document.

    ``extra`` holds additional child elements of ``<Error>`` (e.g. ``BucketName``,
    ``Key``, ``Region``); ``headers`` holds extra response headers
    (e.g. ``x-amz-delete-marker``).
    """

    code: str
    message: str | None = None
    resource: str | None = None
    status: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in ERRORS and self.status is None:
            raise ValueError(f"unknown S3 error code {self.code!r}")
        Exception.__init__(self, self.code)

    @property
    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        return ERRORS[self.code][0]

    @property
    def text(self) -> str:
        if self.message:
            return self.message
        return ERRORS.get(self.code, (500, self.code))[1]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"


# Engine refusals -> S3 errors: the one place the mapping lives.
ENGINE_CODES: dict[str, str] = {
    "QuotaExceeded": "XMinioAdminBucketQuotaExceeded",
}
DETAIL_ELEMENTS: dict[str, str] = {
    "bucket": "BucketName",
    "key": "Key",
    "version_id": "VersionId",
    "upload_id": "UploadId",
    "condition": "Condition",
    "part": "PartNumber",
}


def from_engine(exc: EngineError) -> S3Error:
    """Translate an engine refusal into the S3 error the client sees."""
    code = ENGINE_CODES.get(exc.code, exc.code)
    details: dict[str, str] = dict(exc.details)
    headers: dict[str, str] = {}
    if details.pop("delete_marker", None) == "true":
        headers["x-amz-delete-marker"] = "true"
        if details.get("version_id"):
            headers["x-amz-version-id"] = details["version_id"]
        details.pop("version_id", None)
    extra = {DETAIL_ELEMENTS[k]: v for k, v in details.items() if k in DETAIL_ELEMENTS}
    if code not in ERRORS:
        return S3Error("InternalError")
    return S3Error(code, message=exc.message or None, extra=extra, headers=headers)
