"""Where things live in package storage.

Distribution files sit at ``packages/AB/CD/REST/FILENAME`` where ``ABCDREST`` is the file's
BLAKE2b-256 digest, as on PyPI: two uploads with different bytes can never collide, and the same
bytes always land on the same path. Simple pages are rendered to ``simple/…`` so that a web
server can serve them straight from disk.
"""

from __future__ import annotations

SIMPLE_PREFIX = "simple"
PACKAGES_PREFIX = "packages"
HTML_PAGE = "index.html"
JSON_PAGE = "index.json"


def file_path(blake2_256: str, filename: str) -> str:
    return f"{PACKAGES_PREFIX}/{blake2_256[:2]}/{blake2_256[2:4]}/{blake2_256[4:]}/{filename}"


def simple_page_path(normalized_name: str | None, *, json: bool) -> str:
    """Path of a project's page, or of the project list when ``normalized_name`` is None."""
    page = JSON_PAGE if json else HTML_PAGE
    if normalized_name is None:
        return f"{SIMPLE_PREFIX}/{page}"
    return f"{SIMPLE_PREFIX}/{normalized_name}/{page}"
