"""The storage engine: a SQLite index (WAL) plus data files named by the engine."""

from grenier.engine.engine import Engine, EngineConfig, valid_bucket_name
from grenier.engine.errors import EngineError
from grenier.engine.model import (
    NULL_VERSION,
    Bucket,
    ListPage,
    ObjectVersion,
    Part,
    Segment,
    Staged,
    Upload,
)
from grenier.engine.objects import NewObject, WriteConditions

__all__ = [
    "NULL_VERSION",
    "Bucket",
    "Engine",
    "EngineConfig",
    "EngineError",
    "ListPage",
    "NewObject",
    "ObjectVersion",
    "Part",
    "Segment",
    "Staged",
    "Upload",
    "WriteConditions",
    "valid_bucket_name",
]
