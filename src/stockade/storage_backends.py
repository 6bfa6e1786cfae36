"""Storage backends for package storage: a local directory and an S3-compatible bucket.

Django's ``FileSystemStorage`` writes in place and renames on a name clash. Stockade needs the
opposite: paths are content-addressed (a rewrite is the same bytes) and simple pages are replaced
as a whole, so a reader sees either the old page or the new one, never a mix. S3 gives that for
free (a PUT replaces the object atomically); ``StockadeS3Storage`` adds what the read path needs:
streamed and conditional reads, and a clear error when the store cannot be reached.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger(__name__)

# Objects are written with these types so that a CDN or web server in front of the bucket
# serves them as the read path does. A ``.tar.gz`` must never get ``Content-Encoding: gzip``
# (what ``mimetypes`` suggests), or clients would unpack the sdist in transit and its hashes
# would no longer match.
_OBJECT_TYPES = (
    (".metadata", "text/plain; charset=utf-8"),
    (".whl", "application/zip"),
    (".tar.gz", "application/gzip"),
    (".zip", "application/zip"),
    (".html", "text/html; charset=utf-8"),
    (".json", "application/vnd.pypi.simple.v1+json"),
)
_PAGE_CACHE_CONTROL = "public, max-age=60"
_FILE_CACHE_CONTROL = "public, max-age=31536000, immutable"
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class StorageUnavailableError(Exception):
    """Package storage could not be reached, or refused a request it should have answered."""

    def __init__(self, operation: str, name: str) -> None:
        super().__init__(f"Package storage is unavailable ({operation} {name}).")
        self.operation = operation
        self.name = name


@dataclass(frozen=True)
class ObjectBody:
    """An object being read: its size, the store's ETag and the unread body."""

    size: int
    store_etag: str
    chunks: Iterator[bytes]
    close: Callable[[], None]  # releases the connection


class AtomicFileSystemStorage(FileSystemStorage):
    """Local directory storage that writes through a temporary file and ``os.replace``."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # overwrite: callers choose content-addressed or whole-page names

    def _save(self, name: str, content: File) -> str:
        full_path = Path(self.path(name))
        full_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=full_path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        handle.write(chunk)
                else:
                    handle.write(content.read())
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, self.file_permissions_mode or 0o644)
            os.replace(tmp_name, full_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return name


class StockadeS3Storage(S3Storage):
    """A private, overwritable S3 bucket (or a prefix of one) holding package storage.

    Every object is private: no ACL is ever sent, so the bucket's own policy decides (and buckets
    with ACLs disabled accept the writes). The read path serves objects through
    ``open_object_stream`` and ``read_object_if_changed``; both raise ``FileNotFoundError`` for a
    missing object and ``StorageUnavailableError`` when the store cannot answer.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if settings.get("client_config") is None:
            # Fail within seconds, not minutes, when the store is down: the read path turns this
            # into a 503 while the client is still waiting.
            self.client_config = Config(
                s3={"addressing_style": self.addressing_style},
                signature_version=self.signature_version,
                proxies=self.proxies,
                connect_timeout=5,
                read_timeout=60,
                retries={"mode": "standard", "max_attempts": 3},
            )

    def object_key(self, name: str) -> str:
        """Return the key in the bucket for the storage path ``name`` (prefix included)."""
        return self._normalize_name(clean_name(name))

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params = self.get_object_parameters(name)
        content_type = next((t for suffix, t in _OBJECT_TYPES if name.endswith(suffix)), None)
        params.setdefault("ContentType", content_type or self.default_content_type)
        is_page = name.endswith((".html", ".json"))
        params.setdefault("CacheControl", _PAGE_CACHE_CONTROL if is_page else _FILE_CACHE_CONTROL)
        params.pop("ACL", None)
        return params

    def open_object_stream(self, name: str, chunk_size: int) -> ObjectBody:
        """Start reading ``name``; the body arrives in chunks as the caller iterates.

        Raises:
            FileNotFoundError: no such object.
            StorageUnavailableError: the store could not be reached or refused the request.
        """
        response = self._get_object(name)
        body = response["Body"]
        return ObjectBody(
            size=int(response["ContentLength"]),
            store_etag=response.get("ETag", ""),
            chunks=body.iter_chunks(chunk_size),
            close=body.close,
        )

    def read_object_if_changed(self, name: str, store_etag: str | None) -> tuple[bytes, str] | None:
        """Return ``(body, store ETag)`` of ``name``, or None if its ETag is still ``store_etag``.

        One conditional GET: an unchanged object costs a 304 and no body.

        Raises:
            FileNotFoundError: no such object.
            StorageUnavailableError: the store could not be reached or refused the request.
        """
        extra = {"IfNoneMatch": store_etag} if store_etag else {}
        try:
            response = self._get_object(name, **extra)
        except _NotModifiedError:
            return None
        with response["Body"] as body:
            data = body.read()
        return data, response.get("ETag", "")

    def _get_object(self, name: str, **extra: str) -> dict[str, Any]:
        key = self.object_key(name)
        try:
            return self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key, **extra)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code == "304":
                raise _NotModifiedError from err
            if code in _MISSING_CODES:
                raise FileNotFoundError(f"No such object: {key}") from err
            logger.warning(
                "Package storage refused a read", extra={"key": key, "code": code}, exc_info=True
            )
            raise StorageUnavailableError("read", name) from err
        except BotoCoreError as err:
            logger.warning("Package storage unreachable", extra={"key": key}, exc_info=True)
            raise StorageUnavailableError("read", name) from err


class _NotModifiedError(Exception):
    """The object still has the ETag the caller already holds."""
