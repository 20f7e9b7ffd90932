"""IAM-layer errors: two exception types, each carrying an AWS error code.

``PolicyError`` is raised by policy parsing. Its ``code`` is the code the caller answers
with: ``MalformedPolicy`` for S3 bucket policies, ``MalformedPolicyDocument`` (or
``LimitExceeded`` for oversized documents) for IAM policies.

``IamError`` is raised by :mod:`grenier.iam.store` for entity problems; its codes are
IAM's (``NoSuchEntity``, ``EntityAlreadyExists``, ``DeleteConflict``, ``LimitExceeded``,
``ValidationError``, ``InvalidInput``). HTTP statuses live at the edge (``grenier.adminapi``).
"""

from __future__ import annotations


class PolicyError(Exception):
    """A policy document was rejected; nothing of it was applied."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class IamError(Exception):
    """An identity-store operation failed with an IAM error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
