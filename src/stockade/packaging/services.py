"""Packaging services: look up projects and releases, yank and remove them.

Every change bumps the project's serial in its transaction and republishes its simple pages once
the transaction commits. Stored bytes are deleted only after the rows that point at them.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion

from stockade.packaging import blobs
from stockade.packaging.exceptions import (
    FileNotFoundInReleaseError,
    ProjectNotFoundError,
    ReleaseNotFoundError,
)
from stockade.packaging.models import File, Project, Release

logger = logging.getLogger(__name__)


def find_project(name: str) -> Project | None:
    return Project.objects.filter(normalized_name=canonicalize_name(name)).first()


def get_project(name: str) -> Project:
    """Return the project by any spelling of its name. Raises ProjectNotFoundError."""
    project = find_project(name)
    if project is None:
        raise ProjectNotFoundError(name)
    return project


def canonical_version(version: str) -> str:
    try:
        return canonicalize_version(version)
    except InvalidVersion:
        return version


def get_release(project: Project, version: str) -> Release:
    """Return the release by any spelling of its version. Raises ReleaseNotFoundError."""
    release = Release.objects.filter(
        project=project, canonical_version=canonical_version(version)
    ).first()
    if release is None:
        raise ReleaseNotFoundError(project.name, version)
    return release


def mark_project_changed(project_id: int) -> None:
    """Bump the serial and republish the pages after commit. Call inside the transaction."""
    from stockade.simple.services import publish_project

    Project.objects.filter(pk=project_id).update(serial=F("serial") + 1)
    transaction.on_commit(lambda: publish_project(project_id))


def set_release_yanked(
    *, project_name: str, version: str, yanked: bool, reason: str = ""
) -> Release:
    """Yank (PEP 592) or unyank a release. Installers skip yanked releases unless pinned.

    Raises:
        ProjectNotFoundError, ReleaseNotFoundError.
    """
    with transaction.atomic():
        project = get_project(project_name)
        release = get_release(project, version)
        release.yanked = yanked
        release.yanked_reason = reason if yanked else ""
        release.save(update_fields=["yanked", "yanked_reason"])
        mark_project_changed(project.pk)
    return release


def remove_project(*, project_name: str) -> None:
    """Delete a project with all its releases and files. Its filenames stay used forever."""
    from stockade.simple.services import publish_index, unpublish_project

    with transaction.atomic():
        project = get_project(project_name)
        paths = list(File.objects.filter(release__project=project).values_list("path", flat=True))
        normalized = project.normalized_name
        project.delete()
        transaction.on_commit(lambda: _delete_blobs(paths))
        transaction.on_commit(lambda: unpublish_project(normalized))
        transaction.on_commit(publish_index)


def remove_release(*, project_name: str, version: str) -> None:
    """Delete one release and its files."""
    with transaction.atomic():
        project = get_project(project_name)
        release = get_release(project, version)
        files = list(release.files.all())
        _subtract_size(project, files)
        release.delete()
        mark_project_changed(project.pk)
        transaction.on_commit(lambda: _delete_blobs([f.path for f in files]))


def remove_file(*, project_name: str, version: str, filename: str) -> None:
    """Delete one file of a release. Its filename can never be uploaded again."""
    with transaction.atomic():
        project = get_project(project_name)
        release = get_release(project, version)
        file = release.files.filter(filename=filename).first()
        if file is None:
            raise FileNotFoundInReleaseError(filename)
        _subtract_size(project, [file])
        file.delete()
        mark_project_changed(project.pk)
        transaction.on_commit(lambda: _delete_blobs([file.path]))


def _subtract_size(project: Project, files: list[File]) -> None:
    total = sum(f.size for f in files)
    Project.objects.filter(pk=project.pk).update(total_size=F("total_size") - total)


def _delete_blobs(paths: list[str]) -> None:
    for path in paths:
        # Another row may point at the same content-addressed path only if it is the same file,
        # which was just deleted; so removing both the file and its metadata is safe.
        blobs.delete(path)
        blobs.delete(f"{path}.metadata")
    logger.info("Removed %s stored files", len(paths))
