"""The read path: serve stored simple pages and files without Django or the database.

Every install hits ``/simple/<project>/`` and ``/packages/…``; those bytes were rendered on write
(``stockade.simple.services``), so serving them is a file read plus headers. This WSGI app
answers those routes itself and hands everything else to Django. In production a web server or
CDN can serve the same files directly (docs/nginx.conf).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from django.core.files.storage import Storage
from packaging.utils import canonicalize_name

from stockade.packaging.storage_paths import PACKAGES_PREFIX, simple_page_path
from stockade.simple.negotiation import choose_format

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PAGE_CACHE_CONTROL = "public, max-age=60"
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

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/simple") and method in ("GET", "HEAD"):
            return self._simple(environ, start_response, path)
        if path.startswith(f"/{PACKAGES_PREFIX}/") and method in ("GET", "HEAD"):
            return self._package_file(environ, start_response, path)
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
        query = parse_qs(environ.get("QUERY_STRING", ""))
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
        try:
            with self.storage.open(name, "rb") as handle:
                body = handle.read()
        except (FileNotFoundError, OSError):
            return None
        return _CachedPage((0, len(body)), body, _etag(body))

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
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response(
                "304 Not Modified", [("ETag", etag), ("Cache-Control", FILE_CACHE_CONTROL)]
            )
            return [b""]
        try:
            handle, size = self._open_file(name)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, OSError):
            return _plain(start_response, "404 Not Found", "Not found.\n")
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
        handle = self.storage.open(name, "rb")
        return handle, handle.size


def _stream(handle) -> Iterable[bytes]:
    try:
        while chunk := handle.read(_CHUNK):
            yield chunk
    finally:
        handle.close()


def _respond_bytes(environ, start_response, body: bytes, etag: str, headers) -> Iterable[bytes]:
    if etag in (environ.get("HTTP_IF_NONE_MATCH") or "").replace(" ", "").split(",") or (
        environ.get("HTTP_IF_NONE_MATCH") == "*"
    ):
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
