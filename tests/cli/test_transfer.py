"""cp, mv, pipe: every direction, recursion rules, multipart, integrity, attributes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tests.cli.conftest import Cli, keys, make_tree, read_tree

MULTIPART = {"GRENIER_PART_SIZE": "5MiB", "GRENIER_MULTIPART_THRESHOLD": "5MiB"}


def test_cp_one_file_up_and_down_with_json(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "report.txt"
    src.write_bytes(b"indicator results\n" * 50)
    [up, summary] = cli.json("cp", str(src), f"t/{bkt}/results/")
    assert up["op"] == "upload" and up["target"] == f"t/{bkt}/results/report.txt"
    assert (
        up["size"] == src.stat().st_size and up["etag"] == hashlib.md5(src.read_bytes()).hexdigest()
    )
    assert summary["op"] == "summary" and summary["files"] == 1 and summary["bytes"] == up["size"]
    assert s3c.head_object(Bucket=bkt, Key="results/report.txt")["ContentType"] == "text/plain"
    [down, _] = cli.json("cp", f"t/{bkt}/results/report.txt", str(tmp_path / "back.txt"))
    assert down["op"] == "download"
    assert (tmp_path / "back.txt").read_bytes() == src.read_bytes()
    plain = cli("cp", str(src), f"t/{bkt}/renamed.txt").ok()
    assert f"-> `t/{bkt}/renamed.txt`" in plain.out and "Copied 1 file(s)" in plain.out
    assert "\x1b[" not in plain.out  # no progress bar when piped


def test_cp_recursive_round_trip_is_byte_identical(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "store.zarr", files=40)
    cli("cp", "-r", "--workers", "8", str(tmp_path / "store.zarr"), f"t/{bkt}/out").ok()
    assert keys(s3c, bkt) == sorted(f"out/store.zarr/{k}" for k in tree)
    cli("cp", "-r", f"t/{bkt}/out/store.zarr/", str(tmp_path / "copy") + "/").ok()
    assert read_tree(tmp_path / "copy") == tree
    cli("cp", "-r", f"t/{bkt}/out/store.zarr", str(tmp_path / "nested")).ok()
    assert read_tree(tmp_path / "nested" / "store.zarr") == tree


def test_cp_trailing_slash_copies_contents(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "data", files=5)
    cli("cp", "-r", str(tmp_path / "data") + "/", f"t/{bkt}").ok()
    assert keys(s3c, bkt) == sorted(tree)


def test_cp_remote_to_remote_is_a_server_side_copy(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "d", files=6)
    cli("cp", "-r", str(tmp_path / "d") + "/", f"t/{bkt}/a/").ok()
    records = cli.json("cp", "-r", f"t/{bkt}/a/", f"t/{bkt}/b/")
    assert {r["op"] for r in records[:-1]} == {"copy"}
    assert keys(s3c, bkt, "b/") == sorted(f"b/{k}" for k in tree)
    for rel, data in tree.items():
        assert s3c.get_object(Bucket=bkt, Key=f"b/{rel}")["Body"].read() == data


def test_cp_multipart_upload_download_and_copy(
    cli: Cli, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 * 1024 * 1024 + 123))
    [up, _] = cli.json("cp", str(big), f"t/{bkt}/big.bin", env=MULTIPART)
    assert up["etag"].endswith("-3")
    assert s3c.head_object(Bucket=bkt, Key="big.bin")["ContentLength"] == big.stat().st_size
    cli("cp", f"t/{bkt}/big.bin", str(tmp_path / "big2.bin"), env=MULTIPART).ok()
    assert (tmp_path / "big2.bin").read_bytes() == big.read_bytes()
    cli("cp", f"t/{bkt}/big.bin", f"t/{bkt}/big-copy.bin", env=MULTIPART).ok()
    assert s3c.get_object(Bucket=bkt, Key="big-copy.bin")["Body"].read() == big.read_bytes()
    assert s3c.list_multipart_uploads(Bucket=bkt).get("Uploads", []) == []


def test_cp_attr_and_preserve(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "ds.nc"
    src.write_bytes(b"netcdf")
    os.utime(src, (1_600_000_000, 1_600_000_000))
    os.chmod(src, 0o640)
    attr = "Content-Type=application/x-netcdf;project=portail-ing"
    cli("cp", "--preserve", "--attr", attr, str(src), f"t/{bkt}/ds.nc").ok()
    head = s3c.head_object(Bucket=bkt, Key="ds.nc")
    assert head["ContentType"] == "application/x-netcdf"
    assert head["Metadata"]["project"] == "portail-ing"
    assert float(head["Metadata"]["mtime"]) == 1_600_000_000
    cli("cp", "-a", f"t/{bkt}/ds.nc", str(tmp_path / "restored.nc")).ok()
    restored = (tmp_path / "restored.nc").stat()
    assert int(restored.st_mtime) == 1_600_000_000 and restored.st_mode & 0o777 == 0o640
    bad = cli("cp", "--attr", "novalue", str(src), f"t/{bkt}/x")
    assert bad.code == 1 and "KEY=VALUE" in bad.err


def test_mv_local_and_remote(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "move-me.txt"
    src.write_text("moving")
    cli("mv", str(src), f"t/{bkt}/moved.txt").ok()
    assert not src.exists() and keys(s3c, bkt) == ["moved.txt"]
    cli("mv", f"t/{bkt}/moved.txt", f"t/{bkt}/final/moved.txt").ok()
    assert keys(s3c, bkt) == ["final/moved.txt"]
    assert s3c.get_object(Bucket=bkt, Key="final/moved.txt")["Body"].read() == b"moving"


def test_pipe_streams_stdin_small_and_multipart(cli: Cli, s3c: Any, bkt: str) -> None:
    [small] = cli.json("pipe", f"t/{bkt}/small.txt", stdin=b"tiny")
    assert (
        small["size"] == 4 and s3c.get_object(Bucket=bkt, Key="small.txt")["Body"].read() == b"tiny"
    )
    data = os.urandom(12 * 1024 * 1024)
    [big] = cli.json(
        "pipe", "--attr", "source=stdin", f"t/{bkt}/stream.bin", stdin=data, env=MULTIPART
    )
    assert big["etag"].endswith("-3") and big["size"] == len(data)
    got = s3c.get_object(Bucket=bkt, Key="stream.bin")
    assert got["Body"].read() == data and got["Metadata"]["source"] == "stdin"


def test_cp_errors_are_one_line(cli: Cli, bkt: str, tmp_path: Path) -> None:
    missing = cli("cp", f"t/{bkt}/nope.txt", str(tmp_path / "x"))
    assert missing.code == 1 and "no such object" in missing.err and missing.err.count("\n") == 1
    assert not (tmp_path / "x").exists()
    folder = cli("cp", str(tmp_path), f"t/{bkt}/")
    assert folder.code == 1 and "use -r" in folder.err
    nolocal = cli("cp", str(tmp_path / "absent.txt"), f"t/{bkt}/")
    assert nolocal.code == 1 and "no such file" in nolocal.err and "Traceback" not in nolocal.err


def test_cp_between_two_servers_streams(tmp_path: Path, grenier: Any, moto: Any) -> None:
    """moto → Grenier: not one endpoint, so the body streams through the client."""
    cli = Cli(
        home=tmp_path, env={"GRENIER_HOST_a": moto.env_host(), "GRENIER_HOST_b": grenier.env_host()}
    )
    src, dst = moto.client(), grenier.client()
    name = f"cli-x-{os.urandom(4).hex()}"
    src.create_bucket(Bucket=name)
    dst.create_bucket(Bucket=name)
    tree = {f"d/{i}": os.urandom(500 + i) for i in range(5)}
    for key, body in tree.items():
        src.put_object(Bucket=name, Key=key, Body=body, Metadata={"origin": "moto"})
    records = cli.json("cp", "-r", f"a/{name}/d/", f"b/{name}/copied/")
    assert {r["op"] for r in records[:-1]} == {"copy"} and records[-1]["files"] == 5
    for key, body in tree.items():
        got = dst.get_object(Bucket=name, Key=key.replace("d/", "copied/"))
        assert got["Body"].read() == body and got["Metadata"]["origin"] == "moto"
