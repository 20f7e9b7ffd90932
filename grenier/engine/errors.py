"""Engine errors. Codes are named like the S3 errors they become, but the engine knows
nothing of HTTP: the protocol layer maps an :class:`EngineError` to its S3 error once."""

from __future__ import annotations


class EngineError(Exception):
    """A refusal by the engine (not a bug): the code tells the caller why."""

    def __init__(self, code: str, message: str = "", **details: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.details = details


def no_such_bucket(bucket: str) -> EngineError:
    return EngineError("NoSuchBucket", bucket=bucket)


def no_such_key(key: str) -> EngineError:
    return EngineError("NoSuchKey", key=key)
