"""The engine conformance suite (the idea of zarr's ``StoreTests``).

:class:`EngineTests` drives the :class:`~grenier.engine.Engine` interface directly — no
HTTP — and checks what really got stored through *raw* helpers that each backend
implements on its own storage: the version rows of a key, the data files on disk, the
files the index references, the usage counters. A backend's test module subclasses it,
provides the raw helpers, and inherits every test (``test_sqlite.py`` for the embedded
SQLite index; a PostgreSQL index will add its own).

The tests are grouped by subject in this package's modules: ``objects`` (writes, reads,
versions, conditions, quotas, bulk deletes, buckets), ``uploads`` (multipart, copies) and
``durability`` (fsync order, crash points, recovery, scrub).
"""

from tests.engine.conformance.base import BIG, EngineBaseTests, RawUsage, RawVersion
from tests.engine.conformance.durability import DurabilityTests
from tests.engine.conformance.objects import ObjectTests
from tests.engine.conformance.uploads import UploadAndCopyTests

__all__ = ["BIG", "EngineTests", "RawUsage", "RawVersion"]


class EngineTests(ObjectTests, UploadAndCopyTests, DurabilityTests, EngineBaseTests):
    """Every backend passes these. Subclasses provide ``open_engine`` and the raw helpers."""
