"""Finding, building and caching the virtual Zarr stores of one archive.

A key ``P.zarr/REST`` of an archive bucket is virtual when ``P.zarr`` is a declared
aggregation, or when ``P`` is a netCDF/HDF5 file (and no real file answers the key
first). :class:`Stores` resolves the store, from memory, else from the index
(``archive_refs``), else by building its references — the slow step, which the read path
runs on a worker thread ahead of the request (:meth:`ArchiveOps.prepare_archive_read`).

Freshness: a store remembers the stamp (inode, size, mtime) of every file it was built
from. A chunk read checks the stamp of the file it opens; a metadata read (or a listing)
checks every member, and an aggregation's member list and declaration too. Any
difference rebuilds the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from grenier.engine import archive_aggregations as aggregations
from grenier.engine import archive_catalog as catalog
from grenier.engine import archive_refs as references
from grenier.engine import archive_virtual as virtual
from grenier.engine.archive_paths import NotAFile, open_file
from grenier.engine.rows import enc_key

log = logging.getLogger("grenier.archive")

CACHE_SIZE = 64  # parsed stores kept in memory per process...
CACHE_ENTRIES = 2_000_000  # ...holding at most this many keys in all (about 400 MB)


@dataclass
class Archive:
    """One archive bucket as a worker sees it."""

    name: str
    path: str
    root_fd: int
    reader: Callable[[], sqlite3.Connection]
    submit: Callable[[Callable[[sqlite3.Connection], Any]], Future[Any]]


class Stores:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], virtual.VirtualStore] = OrderedDict()
        self._decls: dict[str, tuple[str, dict[str, aggregations.Aggregation], str]] = {}

    # -- finding -----------------------------------------------------------------------------

    def find(
        self, arch: Archive, key: str, *, fresh: bool
    ) -> tuple[virtual.VirtualStore, str] | None:
        """The store holding ``key`` and the key's name inside it, or None when the key
        is not under any virtual store."""
        start = key.find(".zarr/")
        while start >= 0:
            store_key, rest = key[: start + 5], key[start + 6 :]
            store = self.get(arch, store_key, fresh=fresh)
            if store is not None:
                return store, rest
            start = key.find(".zarr/", start + 1)
        return None

    def peek(self, arch: Archive, key: str) -> bool:
        """Whether a store holding ``key`` is in memory already (no file touched)."""
        start = key.find(".zarr/")
        with self._lock:
            while start >= 0:
                if (arch.name, key[: start + 5]) in self._cache:
                    return True
                start = key.find(".zarr/", start + 1)
        return False

    def get(self, arch: Archive, store_key: str, *, fresh: bool) -> virtual.VirtualStore | None:
        """The store at ``store_key`` (``fresh``: re-checked against the files now)."""
        if not fresh:
            with self._lock:
                found = self._cache.get((arch.name, store_key))
            if found is not None:
                return found
        agg = self.declarations(arch, fresh=fresh).get(store_key)
        if agg is not None:
            return self._aggregation(arch, agg)
        return self._single(arch, store_key[: -len(".zarr")])

    def forget(self, arch: Archive, store_key: str) -> None:
        with self._lock:
            self._cache.pop((arch.name, store_key), None)

    def declarations(self, arch: Archive, *, fresh: bool) -> dict[str, aggregations.Aggregation]:
        """The archive's aggregations (re-read when the declaration file changed)."""
        cached = self._decls.get(arch.name)
        if cached is not None and not fresh:
            return cached[1]
        try:
            fd, st = open_file(arch.root_fd, aggregations.DECLARATION)
        except NotAFile:
            self._decls[arch.name] = ("", {}, "")
            return {}
        try:
            stamp = catalog.file_stamp(st)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            text = os.pread(fd, min(st.st_size, 1 << 20), 0)
        finally:
            os.close(fd)
        try:
            found, error = aggregations.parse(text), ""
        except aggregations.BadDeclaration as exc:
            found, error = {}, str(exc)
            log.warning("archive %s: %s", arch.name, exc)
        except ImportError:
            found, error = {}, f"{aggregations.DECLARATION}: {references.EXTRA_HINT}"
            log.warning("archive %s: %s", arch.name, error)
        self._decls[arch.name] = (stamp, found, error)
        return found

    def declaration_error(self, arch: Archive) -> str:
        self.declarations(arch, fresh=True)
        return self._decls.get(arch.name, ("", {}, ""))[2]

    # -- one file ------------------------------------------------------------------------------

    def _single(self, arch: Archive, source: str) -> virtual.VirtualStore | None:
        try:
            fd, st = open_file(arch.root_fd, source)
        except NotAFile:
            return None
        try:
            try:
                references.file_format(fd)
            except references.NotVirtual:
                return None
            except references.Unsupported as exc:
                return virtual.failed("", {}, f"{source}: {exc}")
            stamp = catalog.file_stamp(st)
            return self._cached(
                arch, source + ".zarr", stamp, lambda: self._build_single(fd, st, source, stamp)
            )
        finally:
            os.close(fd)

    def _build_single(
        self, fd: int, st: os.stat_result, source: str, stamp: str
    ) -> virtual.VirtualStore:
        members = {source: stamp}
        try:
            refs = references.build(fd, st.st_size, source)
        except references.Unsupported as exc:
            return virtual.failed(stamp, members, f"{source}: {exc}")
        return virtual.make_store(refs, members, stamp, st.st_mtime)

    # -- aggregations ----------------------------------------------------------------------

    def _aggregation(self, arch: Archive, agg: aggregations.Aggregation) -> virtual.VirtualStore:
        conn = arch.reader()
        keys: list[str] = []
        for prefix in dict.fromkeys(agg.prefixes()):
            keys += [k for k in catalog.keys_with_prefix(conn, arch.name, prefix) if agg.matches(k)]
        keys = sorted(set(keys), key=lambda k: k.encode("utf-8"))
        opened: list[tuple[str, int, os.stat_result]] = []
        try:
            for key in keys:
                try:
                    fd, st = open_file(arch.root_fd, key)
                except NotAFile:
                    continue  # gone since the scan
                opened.append((key, fd, st))
            stamps = [f"{key}={catalog.file_stamp(st)}" for key, _, st in opened]
            stamp = hashlib.sha1(
                "\n".join([agg.digest(), *stamps]).encode(), usedforsecurity=False
            ).hexdigest()
            return self._cached(
                arch, agg.key, stamp, lambda: self._build_aggregation(arch, agg, opened, stamp)
            )
        finally:
            for _, fd, _ in opened:
                os.close(fd)

    def _build_aggregation(
        self,
        arch: Archive,
        agg: aggregations.Aggregation,
        opened: list[tuple[str, int, os.stat_result]],
        stamp: str,
    ) -> virtual.VirtualStore:
        members = {key: catalog.file_stamp(st) for key, _, st in opened}
        parts = []
        try:
            for key, fd, st in opened:
                one = self._cached(
                    arch,
                    key + ".zarr",
                    catalog.file_stamp(st),
                    lambda fd=fd, st=st, key=key: self._build_single(
                        fd, st, key, catalog.file_stamp(st)
                    ),  # type: ignore[misc]
                )
                if one.error:
                    raise references.Unsupported(one.error)
                url = f"/proc/self/fd/{fd}"
                refs = references.rename_urls(virtual.to_refs(one), {key: url}, {})
                parts.append((key, url, refs, st.st_size))
            refs = aggregations.combine(agg, parts)
        except references.Unsupported as exc:
            return virtual.failed(stamp, members, str(exc))
        newest = max((st.st_mtime for _, _, st in opened), default=0.0)
        return virtual.make_store(refs, members, stamp, newest)

    # -- the cache -------------------------------------------------------------------------

    def _cached(
        self, arch: Archive, store_key: str, stamp: str, build: Callable[[], virtual.VirtualStore]
    ) -> virtual.VirtualStore:
        """From memory, else the index, else ``build`` (then kept in both)."""
        with self._lock:
            found = self._cache.get((arch.name, store_key))
            if found is not None and found.stamp == stamp:
                self._cache.move_to_end((arch.name, store_key))
                return found
        store = self._from_index(arch, store_key, stamp)
        if store is None:
            started = time.monotonic()
            store = _off_loop(build)
            log.info(
                "archive %s: references of %s built in %.2fs%s",
                arch.name,
                store_key,
                time.monotonic() - started,
                f" ({store.error})" if store.error else "",
            )
            if not store.error:  # a refusal is kept in memory only: retried after a restart
                blob = virtual.dump(store)
                arch.submit(lambda c: _txn_save(c, arch.name, store_key, stamp, blob))
        with self._lock:
            self._cache[(arch.name, store_key)] = store
            self._cache.move_to_end((arch.name, store_key))
            while len(self._cache) > 1 and (
                len(self._cache) > CACHE_SIZE
                or sum(len(s.keys) for s in self._cache.values()) > CACHE_ENTRIES
            ):
                self._cache.popitem(last=False)
        return store

    def _from_index(self, arch: Archive, store_key: str, stamp: str) -> virtual.VirtualStore | None:
        row = (
            arch.reader()
            .execute(
                "SELECT stamp, refs FROM archive_refs WHERE archive = ? AND key = ?",
                (arch.name, enc_key(store_key)),
            )
            .fetchone()
        )
        if row is None or row[0] != stamp or row[1] is None:
            return None
        return virtual.load(bytes(row[1]), stamp)


def _off_loop(build: Callable[[], virtual.VirtualStore]) -> virtual.VirtualStore:
    """Run ``build`` here, or on a thread of its own when this thread runs an event loop
    (kerchunk runs event loops of its own; the read path normally builds ahead, on a
    worker thread, so this only happens for rare reads such as a copy source)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return build()
    with ThreadPoolExecutor(1, thread_name_prefix="archive-refs") as pool:
        return pool.submit(build).result()


def _txn_save(conn: sqlite3.Connection, archive: str, key: str, stamp: str, blob: bytes) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO archive_refs VALUES (?, ?, ?, ?, '', ?)",
        (archive, enc_key(key), stamp, blob, time.time()),
    )
