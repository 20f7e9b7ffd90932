"""The one place a key becomes a path (grenier/engine/archive_paths.py), unit-tested against
the tricks that would take a read outside the archive: ``..``, absolute keys, NUL, empty
components, links at the end or in the middle, special files, and a directory swapped for
a link between two steps of the open."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grenier.engine.archive_paths import (
    KEY_MAX,
    NAME_MAX,
    NotAFile,
    WalkStats,
    key_parts,
    open_file,
    open_root,
    walk,
)

SECRET = b"SECRET outside the archive\n"


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    root = tmp_path / "root"
    (root / "d" / "e").mkdir(parents=True)
    (root / "d" / "f.txt").write_bytes(b"inside d\n")
    (root / "d" / "e" / "g.txt").write_bytes(b"inside e\n")
    (root / "top.txt").write_bytes(b"top\n")
    outside = tmp_path / "outside"
    (outside / "e").mkdir(parents=True)
    (outside / "f.txt").write_bytes(SECRET)
    (outside / "e" / "g.txt").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    fd = open_root(str(root))
    yield root, fd
    os.close(fd)


def read(root_fd: int, key: str) -> bytes:
    fd, st = open_file(root_fd, key)
    try:
        return os.pread(fd, st.st_size + 1, 0)
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "/top.txt",
        "..",
        "../secret.txt",
        "d/../../secret.txt",
        "d/../top.txt",  # even when it would stay inside: '..' is never a component
        "./top.txt",
        "d//f.txt",
        "d/",
        "top.txt/",
        "top\x00.txt",
        "d/f.txt\x00../../secret.txt",
        "x" * (NAME_MAX + 1),
        "d/" + "y" * (KEY_MAX - 1),
    ],
)
def test_keys_that_cannot_name_a_file(tree: tuple[Path, int], key: str) -> None:
    _, fd = tree
    with pytest.raises(NotAFile):
        key_parts(key)
    with pytest.raises(NotAFile):
        open_file(fd, key)


def test_plain_keys_open_their_files(tree: tuple[Path, int]) -> None:
    _, fd = tree
    assert key_parts("d/e/g.txt") == ["d", "e", "g.txt"]
    assert read(fd, "top.txt") == b"top\n"
    assert read(fd, "d/e/g.txt") == b"inside e\n"
    for key in ("d", "d/e", "missing.txt", "top.txt/x"):
        with pytest.raises(NotAFile):
            open_file(fd, key)


def test_links_are_never_followed(tree: tuple[Path, int]) -> None:
    root, fd = tree
    outside = root.parent / "outside"
    os.symlink(outside / "f.txt", root / "abs-link.txt")
    os.symlink("../secret.txt", root / "rel-link.txt")
    os.symlink("top.txt", root / "inside-link.txt")  # even one that stays inside
    os.symlink(outside, root / "dirlink")
    os.symlink("d", root / "inside-dirlink")
    for key in (
        "abs-link.txt",
        "rel-link.txt",
        "inside-link.txt",
        "dirlink/f.txt",
        "inside-dirlink/f.txt",
        "dirlink/e/g.txt",
    ):
        with pytest.raises(NotAFile):
            open_file(fd, key)


def test_special_files_are_refused_without_blocking(tree: tuple[Path, int]) -> None:
    root, fd = tree
    os.mkfifo(root / "fifo")  # opening a FIFO for reading would block without O_NONBLOCK
    done: list[BaseException] = []

    def attempt() -> None:
        try:
            open_file(fd, "fifo")
        except BaseException as exc:  # noqa: BLE001 - checked below
            done.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and isinstance(done[0], NotAFile)
    with pytest.raises(NotAFile):
        open_file(fd, "d/e")  # a directory


def test_directory_swapped_for_a_link_between_two_opens(
    tree: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check-then-use race: right after ``d`` is opened, ``d`` is moved away and a link
    to the outside put in its place. The rest of the path is opened relative to the
    descriptor already held, so the read stays in the real ``d``."""
    root, fd = tree
    real_open = os.open
    swapped: list[str] = []

    def swapping_open(
        path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
    ) -> int:
        opened = real_open(path, flags, mode, dir_fd=dir_fd)
        if path == "d" and dir_fd == fd and not swapped:
            os.rename(root / "d", root / "d-moved")
            os.symlink(root.parent / "outside", root / "d")
            swapped.append(path)
        return opened

    monkeypatch.setattr(os, "open", swapping_open)
    assert read(fd, "d/f.txt") == b"inside d\n"
    assert swapped == ["d"]
    assert read(fd, "d-moved/e/g.txt") == b"inside e\n"
    with pytest.raises(NotAFile):  # the link now at "d" is refused
        open_file(fd, "d/f.txt")


def test_concurrent_swaps_never_leak_the_outside(tree: tuple[Path, int]) -> None:
    """A thread flips ``d`` between the real folder and a link to the outside while reads
    go on: every read returns the inside bytes or fails; none returns the secret."""
    root, fd = tree
    stop = threading.Event()

    def flip() -> None:
        link, real, parked = root / "d", root / "d", root / "d-parked"
        for _ in range(3000):
            if stop.is_set():
                return
            os.rename(real, parked)
            os.symlink(root.parent / "outside", link)
            os.unlink(link)
            os.rename(parked, real)

    flipper = threading.Thread(target=flip)
    flipper.start()
    seen = {"inside": 0, "refused": 0}
    try:
        for _ in range(3000):
            try:
                data = read(fd, "d/e/g.txt")
            except NotAFile:
                seen["refused"] += 1
                continue
            assert data == b"inside e\n"
            seen["inside"] += 1
    finally:
        stop.set()
        flipper.join()
    assert sum(seen.values()) == 3000
    assert read(fd, "d/e/g.txt") == b"inside e\n"  # and the real folder is back


def test_walk_lists_regular_files_only(tree: tuple[Path, int]) -> None:
    root, fd = tree
    os.symlink(root.parent / "outside", root / "dirlink")
    os.symlink("top.txt", root / "link.txt")
    os.mkfifo(root / "fifo")
    bad = os.fsencode(root) + b"/bad-\xff.txt"  # not UTF-8: no S3 key can name it
    with open(bad, "wb") as fh:
        fh.write(b"x")
    stats = WalkStats()
    found = {key: st.st_size for key, st in walk(fd, stats)}
    assert found == {"top.txt": 4, "d/f.txt": 9, "d/e/g.txt": 9}
    assert stats.skipped == 4  # two links, the FIFO, the undecodable name
