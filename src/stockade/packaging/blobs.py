"""The one place that reads and writes package storage (local directory or S3)."""

from __future__ import annotations

import logging
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

logger = logging.getLogger(__name__)


def package_storage() -> Storage:
    return storages["packages"]


def put_bytes(path: str, data: bytes) -> None:
    """Write ``data`` at ``path``, replacing whatever was there, all at once."""
    package_storage().save(path, ContentFile(data))


def put_file(path: str, handle: IO[bytes]) -> None:
    handle.seek(0)
    package_storage().save(path, File(handle))


def read_bytes(path: str) -> bytes:
    with package_storage().open(path, "rb") as handle:
        return handle.read()


def exists(path: str) -> bool:
    return package_storage().exists(path)


def delete(path: str) -> None:
    """Remove ``path`` if present; a missing object is not an error (removal is idempotent)."""
    try:
        package_storage().delete(path)
    except FileNotFoundError:
        logger.info("Already gone from storage: %s", path)


def local_path(path: str) -> str | None:
    """Return the filesystem path when storage is a local directory, else None."""
    try:
        return package_storage().path(path)
    except NotImplementedError:
        return None
