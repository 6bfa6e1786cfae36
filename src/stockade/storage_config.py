"""Turn ``STOCKADE_STORAGE_URL`` into a Django storage backend definition.

Supported forms (docs/storage.md):

* empty (the default): the directory ``<data dir>/files``;
* ``file:///srv/stockade/files`` (or ``file://localhost/…``): a local directory, absolute path;
* ``s3://BUCKET[/PREFIX][?endpoint_url=…&region_name=…&addressing_style=…&signature_version=…]``:
  any S3-compatible store. Credentials come from the environment (``AWS_ACCESS_KEY_ID`` and
  ``AWS_SECRET_ACCESS_KEY``) or boto3's usual chain (profile, instance role), never from the URL.

Anything else is refused with an ``ImproperlyConfigured`` that says what to write instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_QUERY_OPTIONS = ("endpoint_url", "region_name", "addressing_style", "signature_version")
_ADDRESSING_STYLES = ("auto", "path", "virtual")
_SIGNATURE_VERSIONS = ("s3v4", "s3")
# What botocore itself accepts as a bucket name (legacy names included).
_BUCKET_NAME = re.compile(r"^[a-zA-Z0-9.\-_]{1,255}$")
_REGION_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
_PREFIX_SEGMENT = re.compile(r"^[A-Za-z0-9!_.*'()-]+$")
_EXAMPLE = "s3://BUCKET/PREFIX?endpoint_url=https://s3.example.com&region_name=us-east-1"


def storage_backend_from_url(url: str, default_dir: Path) -> dict[str, Any]:
    """Return a ``STORAGES`` entry for the storage URL (empty means ``default_dir``).

    Raises:
        ImproperlyConfigured: the URL is not one of the supported forms.
    """
    if not url:
        return _local_backend(default_dir)
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise ImproperlyConfigured(f"STOCKADE_STORAGE_URL is not a valid URL: {err}") from err
    if parts.scheme == "file":
        return _local_backend(_file_url_directory(url))
    if parts.scheme == "s3":
        return _s3_backend(url)
    raise ImproperlyConfigured(
        f"STOCKADE_STORAGE_URL must start with file:// or s3://, not {parts.scheme or url!r}"
        f" (for example file:///srv/stockade/files or {_EXAMPLE})."
    )


def _file_url_directory(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL {url!r} names host {parts.netloc!r}; a file:// URL takes an "
            "absolute path with three slashes: file:///srv/stockade/files"
        )
    if parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL {url!r}: a file:// URL takes no ?query or #fragment."
        )
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL {url!r} needs an absolute path: file:///srv/stockade/files"
        )
    return Path(path)


def _local_backend(directory: Path) -> dict[str, Any]:
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "BACKEND": "stockade.storage_backends.AtomicFileSystemStorage",
        "OPTIONS": {"location": str(directory), "file_permissions_mode": 0o644},
    }


def _s3_backend(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    _check_s3_netloc(parts.netloc)
    bucket = parts.netloc
    if parts.fragment:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL: an s3:// URL takes no #fragment: {_EXAMPLE}"
        )
    query = _s3_query(parts.query)
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": _s3_prefix(parts.path),
        # Pages are replaced in place; file paths are content-addressed, so a rewrite is the
        # same bytes. Never rename to "name_abc123" on a clash.
        "file_overwrite": True,
        # Private objects: send no ACL and let the bucket policy decide (buckets with ACLs
        # disabled reject any other ACL). The read path serves the bytes; nothing links to S3.
        "default_acl": None,
        "object_parameters": {},
        "querystring_auth": True,
        "gzip": False,
    }
    options.update(query)
    _check_s3_credentials()
    return {"BACKEND": "stockade.storage_backends.StockadeS3Storage", "OPTIONS": options}


def _check_s3_netloc(netloc: str) -> None:
    if "@" in netloc:
        # Never echo the netloc: it holds a secret.
        raise ImproperlyConfigured(
            "STOCKADE_STORAGE_URL must not carry credentials; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY in the environment instead."
        )
    if not netloc:
        raise ImproperlyConfigured(f"STOCKADE_STORAGE_URL s3:// needs a bucket: {_EXAMPLE}")
    if ":" in netloc:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL: {netloc!r} is not a bucket name; give the store's address "
            f"as ?endpoint_url=…, the bucket after s3:// ({_EXAMPLE})."
        )
    if not _BUCKET_NAME.match(netloc):
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL: {netloc!r} is not a valid bucket name (letters, digits, "
            "'.', '-' and '_' only)."
        )


def _s3_prefix(path: str) -> str:
    prefix = unquote(path).strip("/")
    if not prefix:
        return ""
    for segment in prefix.split("/"):
        if segment in ("", ".", "..") or not _PREFIX_SEGMENT.match(segment):
            raise ImproperlyConfigured(
                f"STOCKADE_STORAGE_URL prefix {prefix!r} is not usable: use segments of letters, "
                "digits and !_.*'()- separated by single '/', without '.' or '..'."
            )
    return prefix


def _s3_query(query_string: str) -> dict[str, str]:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    names = [key for key, _ in pairs]
    unknown = sorted(set(names) - set(S3_QUERY_OPTIONS))
    if unknown:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL has unknown options {unknown}; known: {list(S3_QUERY_OPTIONS)}"
        )
    repeated = sorted({key for key in names if names.count(key) > 1})
    if repeated:
        raise ImproperlyConfigured(f"STOCKADE_STORAGE_URL repeats options {repeated}.")
    query = dict(pairs)
    empty = sorted(key for key, value in query.items() if not value)
    if empty:
        raise ImproperlyConfigured(f"STOCKADE_STORAGE_URL options {empty} need a value.")
    if "endpoint_url" in query:
        try:
            endpoint = urlsplit(query["endpoint_url"])
            endpoint.port  # noqa: B018 - parses the port, raising ValueError when it is bad
        except ValueError as err:
            raise ImproperlyConfigured(
                f"STOCKADE_STORAGE_URL endpoint_url is not a valid URL: {err}"
            ) from err
        if endpoint.username or endpoint.password:
            raise ImproperlyConfigured(
                "STOCKADE_STORAGE_URL endpoint_url must not carry credentials; set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead."
            )
        if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
            raise ImproperlyConfigured(
                f"STOCKADE_STORAGE_URL endpoint_url {query['endpoint_url']!r} must be an "
                "http:// or https:// URL, such as https://s3.example.com or http://127.0.0.1:9000"
            )
    if "region_name" in query and not _REGION_NAME.match(query["region_name"]):
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL region_name {query['region_name']!r} is not a region name "
            "(such as us-east-1)."
        )
    _check_choice(query, "addressing_style", _ADDRESSING_STYLES)
    _check_choice(query, "signature_version", _SIGNATURE_VERSIONS)
    return query


def _check_choice(query: dict[str, str], key: str, choices: tuple[str, ...]) -> None:
    if key in query and query[key] not in choices:
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL {key} must be one of {list(choices)}, not {query[key]!r}."
        )


def _check_s3_credentials() -> None:
    has_key = bool(os.environ.get("AWS_ACCESS_KEY_ID"))
    has_secret = bool(os.environ.get("AWS_SECRET_ACCESS_KEY"))
    if has_key != has_secret:
        missing = "AWS_SECRET_ACCESS_KEY" if has_key else "AWS_ACCESS_KEY_ID"
        raise ImproperlyConfigured(
            f"STOCKADE_STORAGE_URL is s3:// and {missing} is not set: set both "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use an AWS profile "
            "or instance role)."
        )
