"""Dataset addresses: ``ALIAS/bucket/path.zarr`` (mc style) and ``grenier://`` URLs."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOL = "grenier"


class DatasetPathError(ValueError):
    """A dataset address is malformed (one clear CLI line)."""


@dataclass(frozen=True)
class DatasetPath:
    """Where a dataset (or a prefix holding datasets) lives: alias, bucket, key prefix."""

    alias: str
    bucket: str
    key: str = ""

    @classmethod
    def parse(cls, target: str, *, need_key: bool = True) -> DatasetPath:
        """Parse ``ALIAS/bucket/path.zarr`` or ``grenier://ALIAS/bucket/path.zarr``."""
        text = target.removeprefix(f"{PROTOCOL}://").strip("/")
        parts = text.split("/", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise DatasetPathError(f"{target!r}: expected ALIAS/bucket/path")
        key = parts[2].strip("/") if len(parts) == 3 else ""
        if need_key and not key:
            raise DatasetPathError(
                f"{target!r}: expected ALIAS/bucket/path (a path inside the bucket)"
            )
        if any(p in ("", ".", "..") for p in key.split("/")) and key:
            raise DatasetPathError(f"{target!r}: empty, '.' or '..' path segment")
        return cls(alias=parts[0], bucket=parts[1], key=key)

    @property
    def s3_path(self) -> str:
        """``bucket/key`` as s3fs spells it (no scheme)."""
        return f"{self.bucket}/{self.key}" if self.key else self.bucket

    @property
    def s3_url(self) -> str:
        return f"s3://{self.s3_path}"

    @property
    def url(self) -> str:
        """The ``grenier://`` URL that plain fsspec/xarray code can open."""
        return f"{PROTOCOL}://{self.alias}/{self.s3_path}"

    def child(self, key: str) -> DatasetPath:
        return DatasetPath(self.alias, self.bucket, key.strip("/"))

    def __str__(self) -> str:
        return f"{self.alias}/{self.s3_path}"
