"""Checksum algorithms, BodyChecksums verification, multipart ETag and checksums."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from awscrt import checksums as crt
from botocore.httpchecksum import (
    CrtCrc32cChecksum,
    CrtCrc32Checksum,
    CrtCrc64NvmeChecksum,
    Sha1Checksum,
    Sha256Checksum,
)
from multidict import CIMultiDict, CIMultiDictProxy

from grenier.s3.auth import (
    ALGORITHMS,
    BodyChecksums,
    combine_crc,
    composite_checksum,
    multipart_etag,
    new_checksum,
)
from grenier.s3.auth.crc_combine import combine_gf2
from grenier.s3.errors import S3Error

BOTOCORE = {
    "CRC32": CrtCrc32Checksum,
    "CRC32C": CrtCrc32cChecksum,
    "CRC64NVME": CrtCrc64NvmeChecksum,
    "SHA1": Sha1Checksum,
    "SHA256": Sha256Checksum,
}
# The CRC catalogue's check values: the CRC of b"123456789".
CHECK = {"CRC32": 0xCBF43926, "CRC32C": 0xE3069283, "CRC64NVME": 0xAE8B14860A799888}
DATA = os.urandom(300_000)


def b64(alg: str, data: bytes) -> str:
    hasher = new_checksum(alg)
    hasher.update(data)
    return hasher.b64digest()


def headers(**values: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({k.replace("_", "-"): v for k, v in values.items()}))


def verify_error(
    hdrs: CIMultiDictProxy[str], data: bytes, trailers: dict[str, str] | None = None
) -> S3Error:
    checks = BodyChecksums.from_request(hdrs)
    checks.update(data)
    with pytest.raises(S3Error) as err:
        checks.verify(trailers or {})
    return err.value


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_each_algorithm_matches_botocore_in_any_piece_size(alg: str) -> None:
    reference = BOTOCORE[alg]()
    reference.update(DATA)
    hasher = new_checksum(alg)
    for start in range(0, len(DATA), 65_537):
        hasher.update(DATA[start : start + 65_537])
    assert hasher.b64digest() == reference.b64digest()


@pytest.mark.parametrize("alg", sorted(CHECK))
def test_crc_check_values(alg: str) -> None:
    hasher = new_checksum(alg)
    hasher.update(b"123456789")
    assert int.from_bytes(hasher.digest(), "big") == CHECK[alg]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_header_checksum_match_is_returned_for_storage(alg: str) -> None:
    checks = BodyChecksums.from_request(
        headers(**{f"x_amz_checksum_{alg.lower()}": b64(alg, DATA)})
    )
    checks.update(DATA)
    assert checks.verify({}) == {alg: b64(alg, DATA)}
    assert checks.md5_hex == hashlib.md5(DATA).hexdigest()


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_header_checksum_mismatch_is_bad_digest_naming_the_algorithm(alg: str) -> None:
    err = verify_error(headers(**{f"x_amz_checksum_{alg.lower()}": b64(alg, b"other")}), DATA)
    assert (err.code, err.http_status) == ("BadDigest", 400)
    assert err.text == f"The {alg} you specified did not match the calculated checksum."


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_trailer_checksum_mismatch_is_bad_digest(alg: str) -> None:
    name = f"x-amz-checksum-{alg.lower()}"
    hdrs = headers(x_amz_trailer=name)
    assert verify_error(hdrs, DATA, {name: b64(alg, DATA[:-1])}).code == "BadDigest"
    checks = BodyChecksums.from_request(hdrs)
    checks.update(DATA)
    assert checks.verify({name: b64(alg, DATA)}) == {alg: b64(alg, DATA)}


def test_missing_declared_trailer_is_invalid_request() -> None:
    assert (
        verify_error(headers(x_amz_trailer="x-amz-checksum-crc32"), DATA).code == "InvalidRequest"
    )


@pytest.mark.parametrize("value", ["not base64!", "AAAA", base64.b64encode(b"x" * 5).decode()])
def test_malformed_checksum_values_are_invalid_request(value: str) -> None:
    with pytest.raises(S3Error) as err:
        BodyChecksums.from_request(headers(x_amz_checksum_crc32=value))
    assert (err.value.code, err.value.text) == (
        "InvalidRequest",
        "Value for x-amz-checksum-crc32 header is invalid.",
    )


def test_ambiguous_or_unsupported_checksum_requests() -> None:
    for hdrs in (
        headers(x_amz_checksum_crc32=b64("CRC32", DATA), x_amz_checksum_sha1=b64("SHA1", DATA)),
        headers(x_amz_checksum_crc32=b64("CRC32", DATA), x_amz_sdk_checksum_algorithm="SHA256"),
        headers(x_amz_sdk_checksum_algorithm="MD4"),
        headers(x_amz_trailer="x-amz-checksum-md4"),
    ):
        with pytest.raises(S3Error) as err:
            BodyChecksums.from_request(hdrs)
        assert err.value.code == "InvalidRequest"


def test_content_md5_invalid_then_bad() -> None:
    with pytest.raises(S3Error) as err:
        BodyChecksums.from_request(headers(content_md5="abc"))
    assert (err.value.code, err.value.http_status) == ("InvalidDigest", 400)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    err2 = verify_error(headers(content_md5=wrong), DATA)
    assert err2.code == "BadDigest"
    assert err2.extra["ExpectedDigest"] == hashlib.md5(b"other").hexdigest()
    right = base64.b64encode(hashlib.md5(DATA).digest()).decode()
    checks = BodyChecksums.from_request(headers(content_md5=right))
    checks.update(DATA)
    assert checks.verify({}) == {}


def test_algorithm_without_value_and_default_algorithm_are_computed() -> None:
    checks = BodyChecksums.from_request(headers(x_amz_sdk_checksum_algorithm="crc32c"))
    checks.update(DATA)
    assert checks.verify({}) == {"CRC32C": b64("CRC32C", DATA)}
    checks = BodyChecksums.from_request(headers(), default_algorithm="CRC64NVME")
    checks.update(DATA)
    assert checks.verify({}) == {"CRC64NVME": b64("CRC64NVME", DATA)}


def test_multipart_etag_is_md5_of_binary_md5s() -> None:
    parts = [b"a" * 10, b"b" * 20, b"c"]
    md5s = [hashlib.md5(p).hexdigest() for p in parts]
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert multipart_etag(md5s) == f"{expected}-3"
    assert multipart_etag([f'"{m}"' for m in md5s]) == f"{expected}-3"


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_composite_checksum_hashes_the_binary_part_checksums(alg: str) -> None:
    parts = [DATA[:1000], DATA[1000:5000], DATA[5000:]]
    raw = b"".join(base64.b64decode(b64(alg, p)) for p in parts)
    assert composite_checksum(alg, [b64(alg, p) for p in parts]) == f"{b64(alg, raw)}-3"


@pytest.mark.parametrize("alg", sorted(CHECK))
def test_full_object_crc_combines_parts_into_the_whole_object_crc(alg: str) -> None:
    cuts = [0, 1, 1, 70_000, 123_457, len(DATA)]
    parts = [DATA[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    assert combine_crc(alg, [(b64(alg, p), len(p)) for p in parts]) == b64(alg, DATA)


@pytest.mark.parametrize("alg", sorted(CHECK))
def test_gf2_combine_agrees_with_awscrt(alg: str) -> None:
    fn = {"CRC32": crt.crc32, "CRC32C": crt.crc32c, "CRC64NVME": crt.crc64nvme}[alg]
    for n1, n2 in [(0, 0), (5, 0), (0, 5), (17, 1 << 16), (1000, 99_999)]:
        a, b = DATA[:n1], DATA[n1 : n1 + n2]
        assert combine_gf2(alg, fn(a), fn(b), len(b)) == fn(a + b)


def test_full_object_is_only_for_crcs() -> None:
    with pytest.raises(ValueError):
        combine_crc("SHA256", [(b64("SHA256", b"x"), 1)])
