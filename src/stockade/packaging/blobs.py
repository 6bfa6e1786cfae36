"""The one place that reads and writes package storage (local directory or S3).

Callers name objects by storage path (``stockade.packaging.storage_paths``); whether the bytes
land in a directory or a bucket is ``STORAGES["packages"]``'s business (``storage_config``).
A store that cannot be reached raises ``StorageUnavailableError``, whatever the backend's own
exception, so the edge can answer 503 instead of a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

from stockade.storage_backends import StorageUnavailableError

logger = logging.getLogger(__name__)

__all__ = [
    "StorageUnavailableError",
    "delete",
    "exists",
    "local_path",
    "package_storage",
    "put_bytes",
    "put_file",
    "read_bytes",
]


def package_storage() -> Storage:
    return storages["packages"]


@contextmanager
def _storage_errors(operation: str, path: str) -> Iterator[None]:
    # S3 backends already turn "no such key" into FileNotFoundError / False; what is left is a
    # store that is down, misconfigured or refusing (bad credentials, missing bucket).
    try:
        yield
    except (BotoCoreError, ClientError) as err:
        logger.warning("Package storage failed", extra={"operation": operation, "path": path})
        raise StorageUnavailableError(operation, path) from err


def put_bytes(path: str, data: bytes) -> None:
    """Write ``data`` at ``path``, replacing whatever was there, all at once.

    Raises:
        StorageUnavailableError: the store could not be reached.
    """
    with _storage_errors("write", path):
        package_storage().save(path, ContentFile(data))


def put_file(path: str, handle: IO[bytes]) -> None:
    """Write the whole of ``handle`` at ``path`` (streamed, not read into memory).

    Raises:
        StorageUnavailableError: the store could not be reached.
    """
    handle.seek(0)
    with _storage_errors("write", path):
        package_storage().save(path, File(handle))


def read_bytes(path: str) -> bytes:
    """Return the bytes at ``path`` (for small objects: pages, metadata).

    Raises:
        FileNotFoundError: nothing is stored at ``path``.
        StorageUnavailableError: the store could not be reached.
    """
    with _storage_errors("read", path), package_storage().open(path, "rb") as handle:
        return handle.read()


def exists(path: str) -> bool:
    """Return whether an object is stored at ``path``.

    Raises:
        StorageUnavailableError: the store could not be reached.
    """
    with _storage_errors("check", path):
        return package_storage().exists(path)


def delete(path: str) -> None:
    """Remove ``path`` if present; a missing object is not an error (removal is idempotent).

    Raises:
        StorageUnavailableError: the store could not be reached.
    """
    try:
        with _storage_errors("delete", path):
            package_storage().delete(path)
    except FileNotFoundError:
        logger.info("Already gone from storage: %s", path)


def local_path(path: str) -> str | None:
    """Return the filesystem path when storage is a local directory, else None (S3)."""
    try:
        return package_storage().path(path)
    except NotImplementedError:
        return None
