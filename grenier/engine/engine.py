"""The storage engine: the one interface the protocol layers use.

``Engine`` gathers the operation families, each in its own module:

* buckets (:mod:`grenier.engine.ops_buckets`): create, delete, configure, quotas;
* objects (:mod:`grenier.engine.ops_objects`): put (body ingestion included), copy,
  delete, tags and metadata, open for GET/HEAD, listings and versions;
* multipart (:mod:`grenier.engine.ops_multipart`): create, upload and copy parts,
  complete, abort, list;
* archive buckets (:mod:`grenier.engine.archive_ops`): directory trees served
  read-only in place, with virtual Zarr over their netCDF files;
* background and maintenance work here: lifecycle rules, scrub.

Everything it takes and returns is a plain value (records from
:mod:`grenier.engine.model`, bytes, file descriptors in an ``OpenedObject``); refusals
are :class:`EngineError` with S3-named codes. It knows nothing of HTTP or
authentication, and nothing above it imports its internals (an import-linter contract
checks that).
"""

from __future__ import annotations

import asyncio
from functools import partial

from grenier.engine import lifecycle, scrub
from grenier.engine.archive_ops import ArchiveOps
from grenier.engine.errors import EngineError
from grenier.engine.files import disk_full_refused
from grenier.engine.lifecycle import SweepStats
from grenier.engine.model import ObjectVersion, Segment
from grenier.engine.scrub import ScrubReport


class Engine(ArchiveOps):
    async def apply_lifecycle(self, now: float, day: float = lifecycle.DAY) -> SweepStats:
        """One pass over every bucket's enabled lifecycle rules, in transactions of a
        few hundred keys each (a crash mid-pass only leaves work for the next pass).
        ``day``: seconds in a lifecycle day (tests shrink it)."""
        total = SweepStats()
        for bucket in self.list_buckets():
            for rule in lifecycle.rules_of(bucket.config):
                try:
                    await self._apply_rule(bucket.name, rule, now, day, total)
                except EngineError as exc:  # e.g. the bucket was deleted meanwhile
                    total.errors.append(f"{bucket.name}/{rule.id}: {exc}")
        return total

    async def _apply_rule(
        self, bucket: str, rule: lifecycle.Rule, now: float, day: float, total: SweepStats
    ) -> None:
        if rule.touches_objects:
            after: str | None = None
            while True:
                batch = partial(
                    lifecycle.txn_sweep_keys,
                    bucket=bucket,
                    rule=rule,
                    after=after,
                    now=now,
                    day=day,
                )
                stats, after = await self._commit(batch)
                total.add(stats)
                if after is None:
                    break
        if rule.abort_days is not None:
            total.add(
                await self._commit(lambda c: lifecycle.txn_abort_uploads(c, bucket, rule, now, day))
            )

    async def scrub(self, bucket: str | None = None, repair: bool = False) -> ScrubReport:
        """Re-hash every stored object version (and stored part) of ``bucket`` (or of
        every bucket) against its recorded ETag; see :mod:`grenier.engine.scrub`. With
        ``repair``, a damaged version that has a good copy among its key's versions is
        pointed at new links to that copy's files."""
        if bucket is not None:
            self.get_bucket(bucket)
        loop = asyncio.get_running_loop()
        report, repairable = await loop.run_in_executor(
            None, lambda: scrub.scan(self.reader, self.files, bucket)
        )
        if repair:
            for damage, damaged, good in repairable:
                damage.repaired = await self._restore(damaged, good)
        return report

    async def _restore(self, damaged: ObjectVersion, good: ObjectVersion) -> bool:
        loop = asyncio.get_running_loop()
        with disk_full_refused():
            links = await loop.run_in_executor(
                None, lambda: [Segment(self.files.link(s.file), s.size) for s in good.segments]
            )
        restored: bool = await self._commit(
            lambda c: scrub.txn_restore(c, damaged, links, good.inline),
            files=[s.file for s in links],
        )
        if not restored:
            for seg in links:
                self.files.remove(seg.file)
        return restored
