"""Turn ``STOCKADE_STORAGE_URL`` into a Django storage backend definition.

Supported forms:

* ``file:///srv/stockade/files`` (default: ``<data dir>/files``): a local directory;
* ``s3://BUCKET[/PREFIX]?endpoint_url=…&region_name=…``: any S3-compatible store, with the usual
  ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` credentials from the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_S3_QUERY_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version"}


def storage_backend_from_url(url: str, default_dir: Path) -> dict[str, Any]:
    """Return a ``STORAGES`` entry for the storage URL (empty means the default directory)."""
    if not url:
        return _local_backend(default_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _local_backend(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        return _s3_backend(parts.netloc, parts.path.strip("/"), dict(parse_qsl(parts.query)))
    raise ImproperlyConfigured(
        f"STOCKADE_STORAGE_URL must start with file:// or s3://, not {parts.scheme or url!r}"
    )


def _local_backend(directory: Path) -> dict[str, Any]:
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "BACKEND": "stockade.storage_backends.AtomicFileSystemStorage",
        "OPTIONS": {"location": str(directory), "file_permissions_mode": 0o644},
    }


def _s3_backend(bucket: str, prefix: str, query: dict[str, str]) -> dict[str, Any]:
    if not bucket:
        raise ImproperlyConfigured("STOCKADE_STORAGE_URL s3:// needs a bucket: s3://BUCKET/PREFIX")
    unknown = set(query) - _S3_QUERY_OPTIONS
    if unknown:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL has unknown options {sorted(unknown)}; "
            f"known: {sorted(_S3_QUERY_OPTIONS)}"
        )
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": prefix,
        "file_overwrite": True,  # paths are content-addressed, so a rewrite is the same bytes
        "default_acl": None,
        "querystring_auth": False,
    }
    for key in ("endpoint_url", "region_name", "addressing_style", "signature_version"):
        if key in query:
            options[key] = query[key]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
