"""The read path: serve stored simple pages and files without Django or the database.

Every install hits ``/simple/<project>/`` and ``/packages/…``; those bytes were rendered on write
(``stockade.simple.services``), so serving them is a file read plus headers. This WSGI app
answers those routes itself and hands everything else to Django. In production a web server or
CDN can serve the same files directly (docs/nginx.conf).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from django.core.files.storage import Storage
from packaging.utils import canonicalize_name

from stockade.packaging.storage_paths import PACKAGES_PREFIX, simple_page_path
from stockade.simple.negotiation import choose_format
from stockade.storage_backends import StockadeS3Storage, StorageUnavailableError

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PAGE_CACHE_CONTROL = "public, max-age=60"
# TUF: timestamp.json (and the root.json copy) change; every other metadata file is versioned.
TUF_CURRENT_CACHE_CONTROL = "public, max-age=5, must-revalidate"
_TUF_METADATA = re.compile(r"^(?:[1-9][0-9]*\.[a-z0-9-]+|timestamp|root)\.json$")
_TUF_TARGET = re.compile(r"^simple/(?:[a-z0-9-]+/)?[0-9a-f]{64}\.index\.(html|json)$")
FILE_CACHE_CONTROL = "public, max-age=31536000, immutable"
_CHUNK = 256 * 1024
_FILE_TYPES = {
    ".whl": "application/zip",
    ".tar.gz": "application/gzip",
    ".metadata": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class _CachedPage:
    stamp: tuple[int, int]  # (mtime_ns, size) of the file the bytes came from
    body: bytes
    etag: str


class _PageCache:
    """Keeps small page bodies in memory, revalidated against the file's stat on every hit, so a
    page rewritten by another process is picked up at once."""

    def __init__(self) -> None:
        self._pages: dict[str, _CachedPage] = {}
        self._lock = threading.Lock()

    def get(self, full_path: str) -> _CachedPage | None:
        try:
            stat = os.stat(full_path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._pages.get(full_path)
        if cached is not None and cached.stamp == stamp:
            return cached
        try:
            with open(full_path, "rb") as handle:
                body = handle.read()
        except OSError:
            return None
        page = _CachedPage(stamp, body, _etag(body))
        with self._lock:
            if len(self._pages) > 50_000:
                self._pages.clear()
            self._pages[full_path] = page
        return page


class _RemotePageCache:
    """Keeps page bodies from an S3 store in memory, revalidated on every hit.

    Each hit costs one conditional GET (``If-None-Match`` with the store's ETag): the store
    answers 304 with no body while the page is unchanged, and the new page as soon as any process
    has replaced it. So a page is never stale, and the bytes (hence the ETag sent to clients)
    are the same on every node.
    """

    def __init__(self, storage: StockadeS3Storage) -> None:
        self.storage = storage
        self._pages: dict[str, tuple[str, _CachedPage]] = {}  # name -> (store ETag, page)
        self._lock = threading.Lock()

    def get(self, name: str) -> _CachedPage | None:
        cached = self._pages.get(name)
        try:
            fetched = self.storage.read_object_if_changed(name, cached[0] if cached else None)
        except FileNotFoundError:
            with self._lock:
                self._pages.pop(name, None)
            return None
        if fetched is None:
            assert cached is not None  # a 304 only ever answers If-None-Match
            return cached[1]
        body, store_etag = fetched
        page = _CachedPage((0, len(body)), body, _etag(body))
        with self._lock:
            if len(self._pages) > 50_000:
                self._pages.clear()
            self._pages[name] = (store_etag, page)
        return page


class _ChunkReader:
    """A file-like ``read``/``close`` over an S3 body, for ``_stream``."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self.close = close

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


class ReadPathApp:
    """Serve ``/simple/`` and ``/packages/`` from package storage; pass the rest to ``app``."""

    def __init__(self, app: WSGIApp, storage: Storage) -> None:
        self.app = app
        self.storage = storage
        try:
            self.root: str | None = storage.path("")
        except NotImplementedError:
            self.root = None
        self.pages = _PageCache()
        self.remote_pages = (
            _RemotePageCache(storage) if isinstance(storage, StockadeS3Storage) else None
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if (path == "/simple" or path.startswith("/simple/")) and method in ("GET", "HEAD"):
                return self._simple(environ, start_response, path)
            if path.startswith(f"/{PACKAGES_PREFIX}/") and method in ("GET", "HEAD"):
                return self._package_file(environ, start_response, path)
            if path.startswith("/tuf/") and method in ("GET", "HEAD"):
                return self._tuf(environ, start_response, path.removeprefix("/tuf/"))
        except StorageUnavailableError:
            # Logged where it was raised; tell the client to come back, and caches not to keep it.
            return _plain(
                start_response,
                "503 Service Unavailable",
                "Package storage is unavailable right now; try again shortly.\n",
                [("Retry-After", "10"), ("Cache-Control", "no-store")],
            )
        return self.app(environ, start_response)

    # -- simple pages -----------------------------------------------------------------------

    def _simple(self, environ, start_response, path: str) -> Iterable[bytes]:
        parts = path.split("/")  # "", "simple", name?, ""?
        if path == "/simple":
            return _redirect(start_response, "/simple/", environ)
        if len(parts) == 3 and parts[2] == "":
            return self._page(environ, start_response, None)
        if len(parts) in (3, 4) and parts[2] and (len(parts) == 3 or parts[3] == ""):
            name = parts[2]
            normalized = canonicalize_name(name)
            if name != normalized or len(parts) == 3:
                return _redirect(start_response, f"/simple/{quote(normalized)}/", environ)
            return self._page(environ, start_response, normalized)
        return _plain(start_response, "404 Not Found", "Not found.\n")

    def _page(self, environ, start_response, normalized: str | None) -> Iterable[bytes]:
        # A media type never holds a space, so a literal "+" (as in "v1+json" typed unencoded)
        # is kept rather than decoded to a space.
        query = parse_qs(environ.get("QUERY_STRING", "").replace("+", "%2B"))
        chosen = choose_format(environ.get("HTTP_ACCEPT"), (query.get("format") or [None])[0])
        if chosen is None:
            return _plain(
                start_response,
                "406 Not Acceptable",
                "No acceptable format: ask for application/vnd.pypi.simple.v1+json, "
                "application/vnd.pypi.simple.v1+html or text/html.\n",
                [("Vary", "Accept")],
            )
        fmt, content_type = chosen
        page = self._load_page(simple_page_path(normalized, json=fmt == "json"))
        if page is None:
            return _plain(
                start_response, "404 Not Found", "No such project.\n", [("Vary", "Accept")]
            )
        headers = [
            ("Content-Type", content_type),
            ("ETag", page.etag),
            ("Cache-Control", PAGE_CACHE_CONTROL),
            ("Vary", "Accept"),
        ]
        return _respond_bytes(environ, start_response, page.body, page.etag, headers)

    def _load_page(self, name: str) -> _CachedPage | None:
        if self.root is not None:
            return self.pages.get(os.path.join(self.root, name))
        if self.remote_pages is not None:
            return self.remote_pages.get(name)
        try:
            with self.storage.open(name, "rb") as handle:
                body = handle.read()
        except (FileNotFoundError, OSError):
            return None
        return _CachedPage((0, len(body)), body, _etag(body))

    # -- TUF metadata and hash-prefixed pages -------------------------------------------------

    def _tuf(self, environ, start_response, name: str) -> Iterable[bytes]:
        """Serve ``/tuf/N.ROLE.json``, ``/tuf/timestamp.json`` and ``/tuf/targets/…``: the
        versioned files and hash-prefixed pages never change, so they are cached for good."""
        target = name.removeprefix("targets/")
        if name.startswith("targets/") and (match := _TUF_TARGET.match(target)):
            stored, cache_control = target, FILE_CACHE_CONTROL
            content_type = "application/json" if match.group(1) == "json" else "text/html"
        elif _TUF_METADATA.match(name):
            stored, content_type = f"tuf/metadata/{name}", "application/json"
            current = name in ("timestamp.json", "root.json")
            cache_control = TUF_CURRENT_CACHE_CONTROL if current else FILE_CACHE_CONTROL
        else:
            return _plain(start_response, "404 Not Found", "Not found.\n")
        page = self._load_page(stored)
        if page is None:
            return _plain(start_response, "404 Not Found", "Not found.\n")
        headers = [
            ("Content-Type", content_type),
            ("ETag", page.etag),
            ("Cache-Control", cache_control),
        ]
        return _respond_bytes(environ, start_response, page.body, page.etag, headers)

    # -- distribution files -----------------------------------------------------------------

    def _package_file(self, environ, start_response, path: str) -> Iterable[bytes]:
        name = path.lstrip("/")
        parts = name.split("/")  # packages, AB, CD, REST, FILENAME
        content_type = next((t for suffix, t in _FILE_TYPES.items() if name.endswith(suffix)), None)
        if (
            len(parts) != 5
            or content_type is None
            or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
            or "\\" in name
            or "\x00" in name
        ):
            return _plain(start_response, "404 Not Found", "Not found.\n")
        # The path holds the file's BLAKE2b digest, so it names the content for good.
        suffix = "-metadata" if name.endswith(".metadata") else ""
        etag = f'"{parts[1]}{parts[2]}{parts[3]}{suffix}"'
        # Open before answering 304: a removed file must stop validating a client's cache.
        try:
            handle, size = self._open_file(name)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, OSError):
            return _plain(start_response, "404 Not Found", "Not found.\n")
        if _etag_matches(environ, etag):
            handle.close()
            start_response(
                "304 Not Modified", [("ETag", etag), ("Cache-Control", FILE_CACHE_CONTROL)]
            )
            return [b""]
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(size)),
                ("ETag", etag),
                ("Cache-Control", FILE_CACHE_CONTROL),
            ],
        )
        if environ.get("REQUEST_METHOD") == "HEAD":
            handle.close()
            return [b""]
        return _stream(handle)

    def _open_file(self, name: str):
        if self.root is not None:
            full = os.path.join(self.root, name)
            handle = open(full, "rb")  # noqa: SIM115 - closed by _stream
            return handle, os.fstat(handle.fileno()).st_size
        if isinstance(self.storage, StockadeS3Storage):
            # Streamed from the GET response: a 100 MiB wheel never sits in memory.
            body = self.storage.open_object_stream(name, _CHUNK)
            return _ChunkReader(body.chunks, body.close), body.size
        handle = self.storage.open(name, "rb")
        return handle, handle.size


def _stream(handle) -> Iterable[bytes]:
    try:
        while chunk := handle.read(_CHUNK):
            yield chunk
    finally:
        handle.close()


def _etag_matches(environ, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): ``W/"x"`` matches ``"x"``."""
    header = (environ.get("HTTP_IF_NONE_MATCH") or "").strip()
    if header == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _respond_bytes(environ, start_response, body: bytes, etag: str, headers) -> Iterable[bytes]:
    if _etag_matches(environ, etag):
        start_response("304 Not Modified", headers)
        return [b""]
    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
    return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _redirect(start_response, location: str, environ) -> Iterable[bytes]:
    query = environ.get("QUERY_STRING")
    if query:
        location = f"{location}?{query}"
    start_response(
        "301 Moved Permanently",
        [
            ("Location", location),
            ("Content-Length", "0"),
            ("Vary", "Accept"),
        ],
    )
    return [b""]


def _plain(start_response, status: str, text: str, extra=()) -> Iterable[bytes]:
    body = text.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *extra,
        ],
    )
    return [body]
