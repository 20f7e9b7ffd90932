"""Plugging optional layers (IAM, admin API, lifecycle) into the S3 service."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grenier.s3.app import S3Service
    from grenier.server.config import ServerConfig


def wire(service: S3Service, cfg: ServerConfig) -> None:
    """Root-only for now; the IAM issue replaces the authorizer here."""
    return None
