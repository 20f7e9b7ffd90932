"""Plain records the engine hands out. No behaviour beyond small derived properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NULL_VERSION = "null"


@dataclass(frozen=True)
class Segment:
    """A run of an object's bytes stored in one data file (relative to DATA_DIR/objects),
    from ``offset`` in that file (non-zero only for archive files: a virtual Zarr chunk
    is a range of a netCDF file)."""

    file: str
    size: int
    offset: int = 0


@dataclass
class Bucket:
    name: str
    created: float
    owner: str
    versioning: str = ""  # "" (never enabled) | "Enabled" | "Suspended"
    quota: int | None = None
    size: int = 0  # bytes of every stored object version
    objects: int = 0  # stored object versions (delete markers excluded)
    config: dict[str, Any] = field(default_factory=dict)
    uploading: int = 0  # bytes of the stored parts of incomplete multipart uploads

    @property
    def used(self) -> int:
        """What counts against the quota: object versions and incomplete uploads."""
        return self.size + self.uploading


@dataclass
class ObjectVersion:
    bucket: str
    key: str
    version_id: str
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str  # without quotes
    last_modified: float
    meta: dict[str, Any] = field(default_factory=dict)  # content-type, user meta, ...
    checksums: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    parts: list[int] = field(default_factory=list)  # part sizes for multipart objects
    segments: list[Segment] = field(default_factory=list)
    inline: bytes | None = None
    seq: int = 0
    bucket_versioning: str | None = None  # filled by reads that fetch it alongside

    @property
    def content_type(self) -> str:
        return str(self.meta.get("content-type") or "binary/octet-stream")


@dataclass
class ListEntry:
    key: str
    size: int
    etag: str
    last_modified: float
    version_id: str = NULL_VERSION
    is_latest: bool = True
    delete_marker: bool = False
    owner: str = ""
    checksum_algorithms: list[str] = field(default_factory=list)


@dataclass
class ListPage:
    entries: list[ListEntry]
    common_prefixes: list[str]
    is_truncated: bool
    next_key: str | None = None  # last key (or prefix) returned, for the next marker
    next_version_id: str | None = None


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    created: float
    meta: dict[str, Any] = field(default_factory=dict)
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


@dataclass
class Part:
    number: int
    size: int
    etag: str
    last_modified: float
    checksums: dict[str, str] = field(default_factory=dict)
    file: str | None = None


@dataclass
class WriteConditions:
    """A conditional write (If-Match / If-None-Match), checked inside the transaction."""

    if_match: str | None = None  # an ETag without quotes, or "*"
    if_none_match: str | None = None  # "*" (or an ETag)


@dataclass
class NewObject:
    """Everything a committed version needs besides its bytes."""

    meta: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    checksums: dict[str, str] = field(default_factory=dict)
    parts: list[int] = field(default_factory=list)


@dataclass
class DeleteOutcome:
    version_id: str | None = None
    delete_marker: bool = False


@dataclass
class CompletedPart:
    """One part named by a CompleteMultipartUpload request."""

    number: int
    etag: str  # without quotes
    checksums: dict[str, str]


@dataclass
class Staged:
    """Bytes already durable on disk (or small enough to live inline), not yet visible."""

    size: int
    md5_hex: str
    file: str | None = None  # relative path under objects/
    inline: bytes | None = None
    checksums: dict[str, str] = field(default_factory=dict)
