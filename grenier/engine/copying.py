"""Copies: new data files for CopyObject and UploadPartCopy, made from an opened source.

Data files are immutable once published, so a whole-object copy gives each source
segment a second name (a hard link: no bytes move) in the engine's own directories,
fsynced like a publish (``FileStore.link``). The source is an :class:`OpenedObject`:
its files were opened when its row was read, so if an overwrite released a source file
meanwhile (the link then finds no name to link), its bytes are copied from the open
descriptor instead. A copy racing an overwrite of its source thus copies the version
it read, and never fails for it.

A ranged part copy reads the range from the descriptors into a new file (tmp →
fdatasync → rename → directory fsync).
"""

from __future__ import annotations

import hashlib

from grenier.engine.files import FileStore
from grenier.engine.ingest import Digest
from grenier.engine.model import Segment, Staged
from grenier.engine.reading import OpenedObject


def _copy_run(files: FileStore, source: OpenedObject, start: int, size: int) -> str:
    """A new published file holding ``size`` bytes of the source from ``start``."""
    temp = files.new_temp()
    try:
        for data in source.iter_sync(start, size):
            temp.write(data)
        return temp.finish()
    except BaseException:
        temp.discard()
        raise


def link_segments(files: FileStore, source: OpenedObject) -> list[Segment]:
    """New data files with the source's bytes (links, or copies of released files)."""
    made: list[Segment] = []
    try:
        offset = 0
        for seg in source.version.segments:
            try:
                rel = files.link(seg.file)
            except FileNotFoundError:
                rel = _copy_run(files, source, offset, seg.size)
            made.append(Segment(rel, seg.size))
            offset += seg.size
    except BaseException:
        for seg in made:
            files.remove(seg.file)
        raise
    return made


def copy_range(files: FileStore, source: OpenedObject, start: int, length: int) -> Staged:
    """A part made of ``length`` bytes of the source from ``start`` (always a file)."""
    digest = hashlib.md5()
    temp = files.new_temp()
    try:
        for data in source.iter_sync(start, length):
            digest.update(data)
            temp.write(data)
        rel = temp.finish()
    except BaseException:
        temp.discard()
        raise
    return Staged(size=length, md5_hex=digest.hexdigest(), file=rel)


def checksum_of(source: OpenedObject, digest: Digest) -> str:
    """``digest`` of the whole source (a copy asked for a checksum it does not have)."""
    for data in source.iter_sync(0, source.version.size):
        digest.update(data)
    return digest.b64digest()
