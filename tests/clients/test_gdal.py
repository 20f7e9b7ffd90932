"""GDAL's /vsis3/ virtual file system (Debian's gdal-bin) against Grenier.

GDAL opens a GeoTIFF with a listing of its directory (sidecar files), then ranged GETs of
the header and of the tiles it needs. It writes with a multipart upload. It reads
anonymously with AWS_NO_SIGN_REQUEST=YES when a bucket policy allows it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.clients.tools import base_env, parts_of, require, run
from tests.servers import GrenierServer

WIDTH, HEIGHT = 300, 200


class Gdal:
    def __init__(self, server: GrenierServer, home: Path) -> None:
        self.bin = Path(require("gdalinfo")).parent
        self.env = base_env(
            home,
            AWS_S3_ENDPOINT=server.endpoint.split("://", 1)[1],
            AWS_HTTPS="NO",
            AWS_VIRTUAL_HOSTING="FALSE",
            AWS_REGION=server.region,
            AWS_ACCESS_KEY_ID=server.access_key,
            AWS_SECRET_ACCESS_KEY=server.secret_key,
            AWS_CONFIG_FILE=str(home / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
            GDAL_HTTP_MAX_RETRY="0",
        )

    def __call__(self, tool: str, *args: str, check: bool = True, **env: str) -> Any:
        return run([str(self.bin / tool), *args], {**self.env, **env}, check)

    def checksum(self, path: str, **env: str) -> list[int]:
        out = self("gdalinfo", "-checksum", path, **env).stdout
        return [int(x) for x in re.findall(r"^\s*Checksum=(\d+)", out, re.M)]


@pytest.fixture
def gdal(grenier: GrenierServer, tmp_path: Path) -> Gdal:
    return Gdal(grenier, tmp_path / "home")


@pytest.fixture
def geotiff(gdal: Gdal, tmp_path: Path) -> Path:
    """A tiled, DEFLATE-compressed Float32 GeoTIFF (EPSG:4326) with a varying field."""
    asc = tmp_path / "field.asc"
    rows = (
        " ".join(f"{((r * WIDTH + c) % 997) / 10:.1f}" for c in range(WIDTH)) for r in range(HEIGHT)
    )
    asc.write_text(
        f"ncols {WIDTH}\nnrows {HEIGHT}\nxllcorner -15\nyllcorner 40\ncellsize 0.1\n"
        "NODATA_value -9999\n" + "\n".join(rows) + "\n"
    )
    tif = tmp_path / "field.tif"
    gdal(
        "gdal_translate", "-q", "-ot", "Float32", "-a_srs", "EPSG:4326",
        "-co", "TILED=YES", "-co", "BLOCKXSIZE=64", "-co", "BLOCKYSIZE=64",
        "-co", "COMPRESS=DEFLATE", str(asc), str(tif),
    )  # fmt: skip
    return tif


def test_gdalinfo_and_window_read(gdal: Gdal, geotiff: Path, s3: Any, bucket: str) -> None:
    key = "rasters/tas \u00e9t\u00e9+%.tif"
    s3.upload_file(str(geotiff), bucket, key)
    remote = f"/vsis3/{bucket}/{key}"

    info = json.loads(gdal("gdalinfo", "-json", remote).stdout)
    assert info["size"] == [WIDTH, HEIGHT]
    assert info["bands"][0]["type"] == "Float32"
    assert info["bands"][0]["block"] == [64, 64]
    assert "4326" in info["coordinateSystem"]["wkt"]
    assert gdal.checksum(remote) == gdal.checksum(str(geotiff))

    # A window in the middle: only the tiles it touches are fetched (ranged GETs).
    window = ["-q", "-srcwin", "70", "70", "50", "50"]
    from_s3, local = geotiff.with_suffix(".s3.tif"), geotiff.with_suffix(".local.tif")
    gdal("gdal_translate", *window, remote, str(from_s3))
    gdal("gdal_translate", *window, str(geotiff), str(local))
    assert gdal.checksum(str(from_s3)) == gdal.checksum(str(local))

    value = gdal("gdallocationinfo", "-valonly", remote, "123", "45").stdout.strip()
    assert float(value) == pytest.approx(((45 * WIDTH + 123) % 997) / 10)


def test_write_cog_with_multipart(gdal: Gdal, geotiff: Path, s3: Any, bucket: str) -> None:
    big = str(geotiff) + ".big.tif"
    gdal("gdal_translate", "-q", "-outsize", "1600", "1600", "-r", "bilinear", str(geotiff), big)
    remote = f"/vsis3/{bucket}/cog/big.tif"
    gdal(
        "gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=NONE", big, remote,
        "--config", "CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE", "YES",
        "--config", "VSIS3_CHUNK_SIZE", "5",
    )  # fmt: skip
    head = s3.head_object(Bucket=bucket, Key="cog/big.tif")
    assert head["ContentLength"] > 10 * 1024 * 1024
    assert parts_of(head["ETag"]) >= 2  # 5 MiB parts
    out = gdal("gdalinfo", "-checksum", remote).stdout
    assert "LAYOUT=COG" in out
    assert gdal.checksum(remote)[0] == gdal.checksum(big)[0]


def test_anonymous_read_needs_a_policy(gdal: Gdal, geotiff: Path, s3: Any, bucket: str) -> None:
    s3.upload_file(str(geotiff), bucket, "public/field.tif")
    remote = f"/vsis3/{bucket}/public/field.tif"
    anon = {"AWS_NO_SIGN_REQUEST": "YES", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    denied = gdal("gdalinfo", remote, check=False, **anon)
    assert denied.returncode != 0
    assert "Access Denied" in denied.stderr, denied.stderr

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert gdal.checksum(remote, **anon) == gdal.checksum(str(geotiff))


def test_wrong_secret_is_refused(gdal: Gdal, geotiff: Path, s3: Any, bucket: str) -> None:
    s3.upload_file(str(geotiff), bucket, "field.tif")
    proc = gdal(
        "gdalinfo", f"/vsis3/{bucket}/field.tif", check=False, AWS_SECRET_ACCESS_KEY="wrong"
    )
    assert proc.returncode != 0
    assert "signature" in proc.stderr.lower(), proc.stderr
