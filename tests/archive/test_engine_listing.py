"""Archive listings at the engine interface, against a brute-force S3 listing: the
catalogue's index walk and the virtual stores' in-memory walk give, for every prefix,
delimiter, marker and page size, what S3's rules give over the sorted keys."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grenier.engine import Engine, EngineError
from grenier.engine.archive_virtual import list_keys
from grenier.engine.model import ListEntry

KEYS = [
    "a.txt",
    "a/b.txt",
    "a/b/c.txt",
    "a/b/d.txt",
    "a/bz.txt",
    "a-b/x.txt",
    "b/é/1.txt",
    "b/é/2.txt",
    "b/z.txt",
    "b0.txt",
    "c/d/e/f/g.txt",
    "日本/1.txt",
    "z",
]


def brute(
    keys: list[str], prefix: str, delimiter: str, marker: str, limit: int
) -> tuple[list[str], bool]:
    """S3's rules, spelled out: keys after the marker under the prefix, each either itself
    or its common prefix (once, and only when after the marker), at most ``limit``."""
    out: list[str] = []
    for key in sorted(keys, key=str.encode):
        if not key.startswith(prefix):
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        name = key[: cut + len(delimiter)] if cut >= 0 else key
        if marker and name.encode() <= marker.encode():
            continue
        if out and out[-1] == name:
            continue
        out.append(name)
    return out[:limit], len(out) > limit


def walk_pages(list_page, prefix: str, delimiter: str, limit: int) -> list[str]:  # noqa: ANN001
    names: list[str] = []
    marker = ""
    for _ in range(100):
        page = list_page(prefix, delimiter, marker, limit)
        names += [e.key for e in page.entries] + page.common_prefixes
        if not page.is_truncated:
            return sorted(names, key=str.encode)
        assert page.next_key is not None
        marker = page.next_key
    raise AssertionError("listing does not end")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    base = tmp_path_factory.mktemp("engine-listing")
    root = base / "tree"
    for key in KEYS:
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.encode())
    engine = Engine(base / "data")
    engine.configure_archives({"arch": str(root)}, "owner")
    engine.attach_archives({"arch": str(root)})
    with pytest.raises(EngineError) as err:  # no scan yet: a partial listing is refused
        engine.list_objects("arch")
    assert err.value.code == "ServiceUnavailable"
    assert engine.start_rescan("arch")
    deadline = time.monotonic() + 30
    while not (engine.archive_status("arch").ready and not engine.archive_status("arch").scanning):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield engine
    engine.close()


CASES = [
    (prefix, delimiter, marker, limit)
    for prefix in ["", "a", "a/", "a/b", "b/", "b/é/", "日", "zz"]
    for delimiter in ["", "/", "b", "é"]
    for marker in ["", "a/b", "a/b/", "b/é/1.txt", "b0", "z"]
    for limit in [1, 2, 1000]
]


@pytest.mark.parametrize("prefix, delimiter, marker, limit", random.Random(18).sample(CASES, 120))
def test_catalogue_page_equals_s3_rules(
    engine: Engine, prefix: str, delimiter: str, marker: str, limit: int
) -> None:
    page = engine.list_objects(
        "arch", prefix=prefix, delimiter=delimiter, marker=marker, max_keys=limit
    )
    got = sorted([e.key for e in page.entries] + page.common_prefixes, key=str.encode)
    expected, truncated = brute(KEYS, prefix, delimiter, marker, limit)
    assert got == expected
    assert page.is_truncated == truncated


@pytest.mark.parametrize("prefix, delimiter", [("", ""), ("", "/"), ("a/", "/"), ("b/", "é")])
def test_catalogue_pages_cover_everything_once(engine: Engine, prefix: str, delimiter: str) -> None:
    def one(p: str, d: str, m: str, n: int):  # noqa: ANN202
        return engine.list_objects("arch", prefix=p, delimiter=d, marker=m, max_keys=n)

    assert walk_pages(one, prefix, delimiter, 2) == brute(KEYS, prefix, delimiter, "", 10**6)[0]


@pytest.mark.parametrize("prefix, delimiter, marker, limit", random.Random(19).sample(CASES, 120))
def test_virtual_store_page_equals_s3_rules(
    prefix: str, delimiter: str, marker: str, limit: int
) -> None:
    base = "x.nc.zarr/"
    keys = sorted(KEYS, key=str.encode)
    page = list_keys(
        keys,
        base,
        lambda k: ListEntry(base + k, 0, "", 0.0),
        prefix=base + prefix,
        delimiter=delimiter,
        marker=base + marker if marker else "",
        max_keys=limit,
    )
    got = sorted(
        [e.key[len(base) :] for e in page.entries] + [p[len(base) :] for p in page.common_prefixes],
        key=str.encode,
    )
    expected, truncated = brute(KEYS, prefix, delimiter, marker, limit)
    assert got == expected
    assert page.is_truncated == truncated


def test_virtual_store_markers_outside_the_store() -> None:
    keys = [".zattrs", "tas/0.0"]
    entry = lambda k: ListEntry("s/" + k, 0, "", 0.0)  # noqa: E731
    before = list_keys(keys, "s/", entry, prefix="s/", delimiter="", marker="a", max_keys=10)
    assert [e.key for e in before.entries] == ["s/.zattrs", "s/tas/0.0"]
    after = list_keys(keys, "s/", entry, prefix="s/", delimiter="", marker="t", max_keys=10)
    assert after.entries == [] and not after.is_truncated


def test_reads_of_the_tree(engine: Engine, tmp_path: Path) -> None:
    with engine.open_object("arch", "b/é/2.txt") as opened:
        assert b"".join(opened.iter_sync(0, opened.version.size)) == "b/é/2.txt".encode()
        assert opened.version.etag.endswith("-1")
    with pytest.raises(EngineError) as err:
        engine.get_object("arch", "a/b")  # a folder
    assert err.value.code == "NoSuchKey"
    with pytest.raises(EngineError) as err:
        engine.get_object("arch", "a.txt", version_id="123")
    assert err.value.code == "NoSuchVersion"
