"""Render simple-API pages (PEP 503 HTML and PEP 691 JSON) from plain data.

Pure functions: no database, no storage. Both forms carry the same facts: PEP 700 ``versions``,
``size`` and ``upload-time``; PEP 714 ``core-metadata`` (and the older PEP 658 name); PEP 592
yanking; ``requires-python``. URLs are relative to the page, so the same bytes (which TUF signs)
are valid behind any host name, mirror or CDN.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

API_VERSION = "1.1"


@dataclass(frozen=True)
class FileEntry:
    filename: str
    url: str  # relative to the project page, without fragment
    sha256: str
    size: int
    upload_time: datetime
    requires_python: str = ""
    yanked: bool = False
    yanked_reason: str = ""
    metadata_sha256: str = ""


@dataclass(frozen=True)
class ProjectPage:
    name: str
    normalized_name: str
    versions: tuple[str, ...]
    files: tuple[FileEntry, ...]


def _upload_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def render_project_html(page: ProjectPage) -> bytes:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>Links for {escape(page.name)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {escape(page.name)}</h1>",
    ]
    for entry in page.files:
        attributes = [f'href="{escape(entry.url)}#sha256={entry.sha256}"']
        if entry.requires_python:
            attributes.append(f'data-requires-python="{escape(entry.requires_python)}"')
        if entry.yanked:
            attributes.append(f'data-yanked="{escape(entry.yanked_reason)}"')
        if entry.metadata_sha256:
            value = f"sha256={entry.metadata_sha256}"
            attributes.append(f'data-dist-info-metadata="{value}"')
            attributes.append(f'data-core-metadata="{value}"')
        lines.append(f"    <a {' '.join(attributes)}>{escape(entry.filename)}</a><br />")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def render_project_json(page: ProjectPage) -> bytes:
    files = []
    for entry in page.files:
        item: dict[str, object] = {
            "filename": entry.filename,
            "url": entry.url,
            "hashes": {"sha256": entry.sha256},
            "requires-python": entry.requires_python or None,
            "size": entry.size,
            "upload-time": _upload_time(entry.upload_time),
            "yanked": (entry.yanked_reason or True) if entry.yanked else False,
        }
        metadata: dict[str, str] | bool = (
            {"sha256": entry.metadata_sha256} if entry.metadata_sha256 else False
        )
        item["core-metadata"] = metadata
        item["dist-info-metadata"] = metadata
        files.append(item)
    body = {
        "meta": {"api-version": API_VERSION},
        "name": page.normalized_name,
        "versions": list(page.versions),
        "files": files,
    }
    return _dump(body)


def render_index_html(projects: Sequence[tuple[str, str]]) -> bytes:
    """Render the project list from (display name, normalized name) pairs."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        "    <title>Simple index</title>",
        "  </head>",
        "  <body>",
    ]
    lines += [
        f'    <a href="{escape(normalized)}/">{escape(name)}</a><br />'
        for name, normalized in projects
    ]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def render_index_json(projects: Sequence[tuple[str, str]]) -> bytes:
    return _dump(
        {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n, _ in projects]}
    )


def _dump(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
