"""Publish a project's simple pages: render them from the database and store them as files.

The read path serves these stored bytes and never touches the database. ``publish_project`` is
idempotent and safe to run concurrently: each page is replaced atomically, and a project is
marked published only up to the serial that was actually rendered.
"""

from __future__ import annotations

import logging
import posixpath

from django.db.models import F

from stockade.packaging import blobs
from stockade.packaging.models import File, Project, Release
from stockade.packaging.storage_paths import simple_page_path
from stockade.packaging.versions import version_key
from stockade.simple import render
from stockade.tuf.services import queue_changed_targets

logger = logging.getLogger(__name__)


def build_project_page(project: Project) -> render.ProjectPage:
    """Collect what a project's simple page shows."""
    releases = list(Release.objects.filter(project=project))
    files = list(File.objects.filter(release__project=project).select_related("release"))
    page_dir = posixpath.dirname(simple_page_path(project.normalized_name, json=False))
    entries = [
        render.FileEntry(
            filename=f.filename,
            url=posixpath.relpath(f.path, page_dir),
            sha256=f.sha256,
            size=f.size,
            upload_time=f.upload_time,
            requires_python=f.requires_python,
            yanked=f.release.yanked,
            yanked_reason=f.release.yanked_reason,
            metadata_sha256=f.metadata_sha256,
        )
        for f in sorted(files, key=lambda f: (version_key(f.release.version), f.filename))
    ]
    versions = tuple(r.version for r in sorted(releases, key=lambda r: version_key(r.version)))
    return render.ProjectPage(project.name, project.normalized_name, versions, tuple(entries))


def publish_project(project_id: int) -> None:
    """Render and store the HTML and JSON pages of one project (or remove them if it is gone)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or project.held:  # a held name is published only once approved
        return
    serial = project.serial
    page = build_project_page(project)
    pages = {
        simple_page_path(project.normalized_name, json=False): render.render_project_html(page),
        simple_page_path(project.normalized_name, json=True): render.render_project_json(page),
    }
    for path, body in pages.items():
        blobs.put_bytes(path, body)
    Project.objects.filter(pk=project_id, published_serial__lt=serial).update(
        published_serial=serial
    )
    logger.info("Published simple pages for %s at serial %s", project.normalized_name, serial)
    queue_changed_targets(project.normalized_name, pages=pages, serial=serial)


def unpublish_project(normalized_name: str) -> None:
    """Remove a deleted project's pages."""
    blobs.delete(simple_page_path(normalized_name, json=False))
    blobs.delete(simple_page_path(normalized_name, json=True))
    queue_changed_targets(normalized_name, pages=None)


def publish_index() -> None:
    """Render and store the project list."""
    projects = list(
        Project.objects.filter(held=False)
        .order_by("normalized_name")
        .values_list("name", "normalized_name")
    )
    pages = {
        simple_page_path(None, json=False): render.render_index_html(projects),
        simple_page_path(None, json=True): render.render_index_json(projects),
    }
    for path, body in pages.items():
        blobs.put_bytes(path, body)
    queue_changed_targets(None, pages=pages)


def publish_stale_projects() -> int:
    """Publish every project whose pages are behind its data; return how many. Run at start-up
    so work interrupted between commit and render is never lost."""

    stale = list(
        Project.objects.filter(serial__gt=F("published_serial"), held=False).values_list(
            "pk", flat=True
        )
    )
    for project_id in stale:
        publish_project(project_id)
    if stale or not blobs.exists(simple_page_path(None, json=False)):
        publish_index()
    return len(stale)
