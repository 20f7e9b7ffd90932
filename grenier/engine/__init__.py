"""The storage engine: a SQLite index (WAL) plus data files named by the engine.

This package's names are the engine's whole interface: the protocol layers
(``grenier.s3``, ``grenier.adminapi``) import from here only, never from its modules
(an import-linter contract in ``pyproject.toml`` checks it).
"""

from grenier.engine.archive_catalog import ArchiveStatus
from grenier.engine.base import EngineConfig
from grenier.engine.engine import Engine
from grenier.engine.errors import EngineError
from grenier.engine.ingest import MAX_OBJECT_SIZE, Body, BodyHasher, Digest
from grenier.engine.lifecycle import DAY, SweepStats
from grenier.engine.model import (
    NULL_VERSION,
    Bucket,
    CompletedPart,
    DeleteOutcome,
    ListEntry,
    ListPage,
    ObjectVersion,
    Part,
    Segment,
    Upload,
    WriteConditions,
)
from grenier.engine.multipart import MAX_PARTS, MIN_PART_SIZE
from grenier.engine.ops_buckets import valid_bucket_name
from grenier.engine.reading import OpenedObject
from grenier.engine.recovery import mark_clean
from grenier.engine.scrub import Damage, ScrubReport

__all__ = [
    "ArchiveStatus",
    "DAY",
    "MAX_OBJECT_SIZE",
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "NULL_VERSION",
    "Body",
    "BodyHasher",
    "Bucket",
    "CompletedPart",
    "Damage",
    "DeleteOutcome",
    "Digest",
    "Engine",
    "EngineConfig",
    "EngineError",
    "ListEntry",
    "ListPage",
    "ObjectVersion",
    "OpenedObject",
    "Part",
    "ScrubReport",
    "Segment",
    "SweepStats",
    "Upload",
    "WriteConditions",
    "mark_clean",
    "valid_bucket_name",
]
