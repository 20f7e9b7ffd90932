"""The lean bulk path (asyncio + aiohttp + own SigV4) and the flags that came with it:
odd keys, anonymous reads, errors, --version-id on cp and rm, du from Grenier's counters."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from grenier.client.sigv4 import UNSIGNED_PAYLOAD, Signer, canonical_query, encode_key
from tests.cli.conftest import Cli, keys, make_tree, public_read_policy, read_tree
from tests.servers import S3Endpoint, free_port

ODD_NAMES = [
    "with space.txt",
    "plus+sign.txt",
    "percent%20literal.txt",
    "unicodé/naïve ☃.txt",
    "tilde~star*.txt",
    "q?hash#amp&eq=.txt",
    "semi;colon,comma'quote.txt",
    "paren(1)[2]{3}!$@.txt",
]


def _botocore_signature(
    signer: Signer, method: str, path: str, query: dict[str, str], headers: dict[str, str]
) -> tuple[str, str]:
    """botocore's Authorization for the same request, and the date it signed at."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials

    url = "http://127.0.0.1:9000" + path + ("?" + canonical_query(query) if query else "")
    request = AWSRequest(method=method, url=url, headers=dict(headers))
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    request.headers["X-Amz-Content-SHA256"] = UNSIGNED_PAYLOAD
    auth = S3SigV4Auth(Credentials(signer.access_key, signer.secret_key), "s3", signer.region)
    auth.add_auth(request)
    return str(request.headers["Authorization"]), str(request.headers["X-Amz-Date"])


@pytest.mark.parametrize(
    ("method", "key", "query", "headers"),
    [
        ("PUT", "dir/key with space+plus%.txt", {}, {"Content-MD5": "abc==", "x-amz-meta-a": "b"}),
        ("GET", "unicodé/☃//double", {"versionId": "v+1/="}, {}),
        ("GET", "", {"list-type": "2", "prefix": "a b/", "delimiter": "/"}, {}),
        ("DELETE", "k~1*(x)", {}, {"Content-Type": "text/plain;  charset=x"}),
    ],
)
def test_signer_agrees_with_botocore(
    method: str, key: str, query: dict[str, str], headers: dict[str, str]
) -> None:
    signer = Signer("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1")
    path = "/bucket/" + encode_key(key)
    theirs, amz_date = _botocore_signature(signer, method, path, query, headers)
    ours = signer.sign(method, "127.0.0.1:9000", path, query, headers, amz_date=amz_date)
    assert ours["Authorization"] == theirs


def test_odd_keys_round_trip(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    src = tmp_path / "odd"
    content = {name: os.urandom(50 + i) for i, name in enumerate(ODD_NAMES)}
    for name, data in content.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    records = cli.json("cp", "-r", f"{src}/", f"t/{bkt}/up/")
    assert records[-1]["files"] == len(content)
    for r in records[:-1]:
        assert (
            r["etag"]
            == hashlib.md5((src / r["source"][len(str(src)) + 1 :]).read_bytes()).hexdigest()
        )
    assert keys(s3c, bkt) == sorted(f"up/{n}" for n in content)
    s3c.put_object(Bucket=bkt, Key="up/deep//double//slash.bin", Body=b"slashes")
    cli("cp", str(src / "with space.txt"), f"t/{bkt}/single//x y+z.txt").ok()
    assert (
        s3c.get_object(Bucket=bkt, Key="single//x y+z.txt")["Body"].read()
        == content["with space.txt"]
    )
    cli("cp", "-r", f"t/{bkt}/up/", f"{tmp_path / 'back'}/").ok()
    back = read_tree(tmp_path / "back")
    assert back == {**content, "deep/double/slash.bin": b"slashes"}


def test_lean_and_botocore_paths_agree(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "t", files=12)
    botocore_only = {"GRENIER_LEAN_PATH": "0"}
    cli(
        "cp",
        "-r",
        "--attr",
        "Cache-Control=no-cache;team=ing",
        f"{tmp_path / 't'}/",
        f"t/{bkt}/lean/",
    ).ok()
    cli(
        "cp",
        "-r",
        "--attr",
        "Cache-Control=no-cache;team=ing",
        f"{tmp_path / 't'}/",
        f"t/{bkt}/boto/",
        env=botocore_only,
    ).ok()
    for rel in tree:
        lean = s3c.head_object(Bucket=bkt, Key=f"lean/{rel}")
        boto = s3c.head_object(Bucket=bkt, Key=f"boto/{rel}")
        for field in ("ETag", "ContentLength", "ContentType", "CacheControl", "Metadata"):
            assert lean[field] == boto[field], (rel, field)
    cli("cp", "-r", f"t/{bkt}/boto/", f"{tmp_path / 'down-lean'}/").ok()
    cli("cp", "-r", f"t/{bkt}/lean/", f"{tmp_path / 'down-boto'}/", env=botocore_only).ok()
    assert read_tree(tmp_path / "down-lean") == read_tree(tmp_path / "down-boto") == tree
    moved = cli.json("mv", "-r", f"{tmp_path / 't'}/", f"t/{bkt}/moved/")
    assert {r["op"] for r in moved[:-1]} == {"move"} and read_tree(tmp_path / "t") == {}
    assert keys(s3c, bkt, "moved/") == sorted(f"moved/{k}" for k in tree)


def test_lean_path_errors(cli: Cli, any_s3: S3Endpoint, bkt: str, tmp_path: Path) -> None:
    make_tree(tmp_path / "t", files=30)
    run = cli("cp", "-r", f"{tmp_path / 't'}/", "t/no-such-bucket-lean/")
    assert run.code == 1 and "no such bucket" in run.err and run.err.count("\n") == 1
    missing = cli("cp", f"t/{bkt}/absent.bin", str(tmp_path / "absent.bin"))
    assert missing.code == 1 and "no such object" in missing.err
    assert not (tmp_path / "absent.bin").exists()
    s3c = any_s3.client()
    s3c.put_object(Bucket=bkt, Key="d/ok.bin", Body=b"ok")
    (tmp_path / "blocker").write_text("a file where a folder should be")
    down = cli("cp", "-r", f"t/{bkt}/d/", f"{tmp_path / 'blocker' / 'sub'}/")
    assert down.code == 1 and "Traceback" not in down.err
    if any_s3.name == "grenier":
        scheme, rest = any_s3.endpoint.split("://")
        bad = {"GRENIER_HOST_bad": f"{scheme}://{any_s3.access_key}:wrong-secret@{rest}"}
        denied = cli("cp", "-r", f"{tmp_path / 't'}/", f"bad/{bkt}/x/", env=bad)
        assert denied.code == 1 and denied.err.count("\n") == 1
        assert "wrong access key or secret key" in denied.err and "wrong-secret" not in denied.err


def test_anonymous_download_on_the_lean_path(
    cli: Cli, any_s3: S3Endpoint, s3c: Any, bkt: str, tmp_path: Path
) -> None:
    s3c.put_object(Bucket=bkt, Key="open/a b.txt", Body=b"public a")
    s3c.put_object(Bucket=bkt, Key="open/c/d.txt", Body=b"public d")
    s3c.put_bucket_policy(Bucket=bkt, Policy=public_read_policy(bkt))
    anon = {"GRENIER_HOST_anon": any_s3.endpoint}
    cli("cp", "-r", f"anon/{bkt}/open/", f"{tmp_path / 'pub'}/", env=anon).ok()
    assert read_tree(tmp_path / "pub") == {"a b.txt": b"public a", "c/d.txt": b"public d"}
    if any_s3.name == "grenier":
        (tmp_path / "up.txt").write_text("x")
        run = cli("cp", str(tmp_path / "up.txt"), f"anon/{bkt}/up.txt", env=anon)
        assert run.code == 1 and "access denied" in run.err


def test_cp_and_rm_version_id(cli: Cli, s3c: Any, bkt: str, tmp_path: Path) -> None:
    s3c.put_bucket_versioning(Bucket=bkt, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3c.put_object(Bucket=bkt, Key="doc.txt", Body=b"first")["VersionId"]
    v2 = s3c.put_object(Bucket=bkt, Key="doc.txt", Body=b"second")["VersionId"]
    cli("cp", "--version-id", v1, f"t/{bkt}/doc.txt", str(tmp_path / "old.txt")).ok()
    assert (tmp_path / "old.txt").read_bytes() == b"first"
    cli("cp", "--vid", v1, f"t/{bkt}/doc.txt", f"t/{bkt}/restored.txt").ok()
    assert s3c.get_object(Bucket=bkt, Key="restored.txt")["Body"].read() == b"first"
    bad = cli("cp", "-r", "--version-id", v1, f"t/{bkt}/doc.txt", str(tmp_path / "x"))
    assert bad.code == 1 and "--version-id" in bad.err
    [removed] = cli.json("rm", "--version-id", v1, f"t/{bkt}/doc.txt")
    assert removed["versionId"] == v1 and removed["key"] == f"t/{bkt}/doc.txt"
    left = s3c.list_object_versions(Bucket=bkt, Prefix="doc.txt")["Versions"]
    assert [v["VersionId"] for v in left] == [v2]
    again = cli("rm", "--version-id", v1, f"t/{bkt}/doc.txt")
    assert again.code == 1 and "no such object" in again.err
    assert s3c.get_object(Bucket=bkt, Key="doc.txt")["Body"].read() == b"second"
    # a versioned bucket: du counts the latest versions by listing (the counters hold all)
    [latest] = cli.json("du", f"t/{bkt}")
    assert (latest["size"], latest["objects"], latest["method"]) == (11, 2, "listing")
    s3c.put_object(Bucket=bkt, Key="restored.txt", Body=b"third!")
    [every] = cli.json("du", "--versions", f"t/{bkt}")
    assert (every["size"], every["objects"]) == (17, 3)


def test_du_of_a_bucket_uses_grenier_counters(
    cli: Cli, any_s3: S3Endpoint, s3c: Any, bkt: str
) -> None:
    for i in range(5):
        s3c.put_object(Bucket=bkt, Key=f"p/{i}", Body=b"x" * (10 + i))
    s3c.put_object(Bucket=bkt, Key="q/z", Body=b"zzz")
    [whole] = cli.json("du", f"t/{bkt}")
    expected = "usage" if any_s3.name == "grenier" else "listing"
    assert (whole["size"], whole["objects"], whole["method"]) == (63, 6, expected)
    [prefix] = cli.json("du", f"t/{bkt}/p/")
    assert (prefix["size"], prefix["objects"], prefix["method"]) == (60, 5, "listing")
    deep = cli.json("du", "--depth", "2", f"t/{bkt}")
    assert {r["method"] for r in deep} == {"listing"} and deep[-1]["size"] == 63


def test_lean_path_unreachable(offline_cli: Cli, tmp_path: Path) -> None:
    make_tree(tmp_path / "t", files=20)
    env = {"GRENIER_HOST_down": f"http://k:s@127.0.0.1:{free_port()}", "GRENIER_MAX_ATTEMPTS": "2"}
    run = offline_cli("cp", "-r", f"{tmp_path / 't'}/", "down/bucket/", env=env)
    assert run.code == 1 and run.err.count("\n") == 1 and "Traceback" not in run.err
    assert "cannot reach http://127.0.0.1:" in run.err
