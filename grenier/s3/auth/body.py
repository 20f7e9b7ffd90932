"""Hash a request body while it streams and check it against what the client declared.

MD5 is always computed (it is the ETag). One additional algorithm is computed
when the client names one (``x-amz-checksum-<alg>`` value header, a trailer
announced by ``x-amz-trailer``, or ``x-amz-sdk-checksum-algorithm``), or when the
caller asks for a default (S3 stores CRC64NVME for every new object).

Codes, as AWS answers them: a malformed Content-MD5 is InvalidDigest, a wrong one
BadDigest; a malformed or ambiguous x-amz-checksum-* is InvalidRequest, a wrong
one BadDigest "The CRC32 you specified did not match the calculated checksum."
(header or trailer alike).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from grenier.s3.auth.checksums import ALGORITHMS, Checksum, decode_b64, new_checksum
from grenier.s3.auth.context import header
from grenier.s3.errors import S3Error

PREFIX = "x-amz-checksum-"


def _invalid(message: str) -> S3Error:
    return S3Error("InvalidRequest", message=message)


def _value_headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    found = []
    for alg in ALGORITHMS:
        value = header(headers, PREFIX + alg.lower())
        if value is not None:
            if decode_b64(value, alg) is None:
                raise _invalid(f"Value for {PREFIX}{alg.lower()} header is invalid.")
            found.append((alg, value.strip()))
    return found


def _trailer_algs(headers: Mapping[str, str]) -> list[str]:
    names = [n.strip().lower() for n in (header(headers, "x-amz-trailer") or "").split(",")]
    algs = []
    for name in names:
        if name.startswith(PREFIX):
            alg = name[len(PREFIX) :].upper()
            if alg not in ALGORITHMS:
                raise _invalid("The value specified in the x-amz-trailer header is not supported")
            algs.append(alg)
    return algs


def _declared_alg(headers: Mapping[str, str]) -> str | None:
    value = header(headers, "x-amz-sdk-checksum-algorithm") or header(
        headers, "x-amz-checksum-algorithm"
    )
    if value is None:
        return None
    if value.strip().upper() not in ALGORITHMS:
        raise _invalid(
            "Checksum algorithm provided is unsupported. Please try again with any of the "
            "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    return value.strip().upper()


class BodyChecksums:
    """MD5 plus at most one x-amz-checksum algorithm, fed with :meth:`update`."""

    def __init__(
        self,
        *,
        md5_b64: str | None = None,
        algorithm: str | None = None,
        expected: str | None = None,
        in_trailer: bool = False,
    ) -> None:
        self._md5 = hashlib.md5()
        self._expected_md5 = md5_b64
        self.algorithm = algorithm
        self._hasher: Checksum | None = new_checksum(algorithm) if algorithm else None
        self._expected = expected
        self._in_trailer = in_trailer

    @classmethod
    def from_request(
        cls, headers: Mapping[str, str], *, default_algorithm: str | None = None
    ) -> BodyChecksums:
        md5 = header(headers, "content-md5")
        if md5 is not None and decode_b64(md5, "MD5") is None:
            raise S3Error("InvalidDigest")
        values, trailers = _value_headers(headers), _trailer_algs(headers)
        if len(values) + len(trailers) > 1:
            raise _invalid(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
            )
        declared = _declared_alg(headers)
        named = values[0][0] if values else (trailers[0] if trailers else None)
        if declared and named and declared != named:
            raise _invalid(
                f"x-amz-sdk-checksum-algorithm {declared} does not match the "
                f"{PREFIX}{named.lower()} checksum sent."
            )
        return cls(
            md5_b64=md5.strip() if md5 else None,
            algorithm=named or declared or default_algorithm,
            expected=values[0][1] if values else None,
            in_trailer=bool(trailers),
        )

    def update(self, data: bytes) -> None:
        self._md5.update(data)
        if self._hasher is not None:
            self._hasher.update(data)

    # The two halves of update(), for callers that hash on two threads at once (MD5 is
    # the slow one). Each half must still see the pieces in order.
    def update_md5(self, data: bytes) -> None:
        self._md5.update(data)

    def update_other(self, data: bytes) -> None:
        if self._hasher is not None:
            self._hasher.update(data)

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    def verify(self, trailers: Mapping[str, str]) -> dict[str, str]:
        """Check every declared digest; return ``{ALG: base64}`` to store with the object."""
        self._verify_md5()
        if self._hasher is None or self.algorithm is None:
            return {}
        computed = self._hasher.b64digest()
        expected = self._expected or self._from_trailers(trailers)
        if expected is not None and expected != computed:
            raise S3Error(
                "BadDigest",
                message=f"The {self.algorithm} you specified did not match the calculated checksum.",
            )
        return {self.algorithm: computed}

    def _verify_md5(self) -> None:
        if self._expected_md5 is None:
            return
        computed = base64.b64encode(self._md5.digest()).decode()
        if computed != self._expected_md5:
            raise S3Error(
                "BadDigest",
                extra={
                    "ExpectedDigest": base64.b64decode(self._expected_md5).hex(),
                    "CalculatedDigest": computed,
                },
            )

    def _from_trailers(self, trailers: Mapping[str, str]) -> str | None:
        assert self.algorithm is not None
        name = PREFIX + self.algorithm.lower()
        value = trailers.get(name)
        if value is None:
            if self._in_trailer:
                raise _invalid(f"The x-amz-trailer header named {name} but no such trailer came.")
            return None
        if decode_b64(value, self.algorithm) is None:
            raise _invalid(f"Value for {name} trailing header is invalid.")
        return value.strip()
