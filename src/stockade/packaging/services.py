"""Packaging services: look up projects and releases, yank and remove them, and manage who
holds which role on a project.

Every change bumps the project's serial in its transaction and republishes its simple pages once
the transaction commits. Stored bytes are deleted only after the rows that point at them.

Permissions follow PyPI: owners yank, delete and manage collaborators; maintainers upload and may
only leave a project. Services that change a project take the audit ``actor`` and record their
event in the transaction that makes the change. An actor without a user is the operator (the
CLI) or Stockade itself, who may do anything; an anonymous visitor may do nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion

from stockade.accounts.models import User
from stockade.audit.services import Actor, Means, Tag, record_event
from stockade.packaging import blobs
from stockade.packaging.exceptions import (
    FileNotFoundInReleaseError,
    NotACollaboratorError,
    PermissionDeniedError,
    ProjectNotFoundError,
    ReleaseNotFoundError,
)
from stockade.packaging.models import File, Project, Release, Role

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


def find_role(*, user: User, project: Project) -> Role | None:
    return Role.objects.filter(user=user, project=project).first()


def is_operator(actor: Actor) -> bool:
    """Return whether ``actor`` is the operator at the command line or Stockade itself."""
    return actor.user is None and actor.means in (Means.CLI, Means.SYSTEM)


def require_owner(actor: Actor, project: Project, *, action: str) -> None:
    """Raise unless ``actor`` owns ``project``; the operator always may.

    Raises:
        NotACollaboratorError: the actor has no role on the project (or is not logged in).
        PermissionDeniedError: the actor is only a maintainer.
    """
    if is_operator(actor):
        return
    if actor.user is None:
        raise NotACollaboratorError(project.name)
    role = find_role(user=actor.user, project=project)
    if role is None:
        raise NotACollaboratorError(project.name)
    if role.role != Role.Name.OWNER:
        raise PermissionDeniedError(project.name, action)


def list_projects_for_user(*, user: User) -> list[Role]:
    """Return the user's roles, each with its project, ordered by project name."""
    return list(
        Role.objects.filter(user=user)
        .select_related("project")
        .order_by("project__normalized_name")
    )


def get_project_for_member(*, user: User, project_name: str) -> tuple[Project, Role]:
    """Return a project the user holds a role on, and that role.

    Raises:
        ProjectNotFoundError, NotACollaboratorError.
    """
    project = get_project(project_name)
    role = find_role(user=user, project=project)
    if role is None:
        raise NotACollaboratorError(project.name)
    return project, role


def get_project_for_owner(*, actor: Actor, project_name: str, action: str) -> Project:
    """Return a project the actor owns (for pages that lead to an owner-only action).

    Raises:
        ProjectNotFoundError, NotACollaboratorError, PermissionDeniedError.
    """
    project = get_project(project_name)
    require_owner(actor, project, action=action)
    return project


def mark_project_changed(project_id: int) -> None:
    """Bump the serial and republish the pages after commit. Call inside the transaction."""
    from stockade.simple.services import publish_project
    from stockade.web.search import update_search_index

    Project.objects.filter(pk=project_id).update(serial=F("serial") + 1)
    transaction.on_commit(lambda: publish_project(project_id), robust=True)
    transaction.on_commit(lambda: update_search_index(project_id), robust=True)


def set_release_yanked(
    *,
    actor: Actor,
    project_name: str,
    version: str,
    yanked: bool,
    reason: str = "",
) -> Release:
    """Yank (PEP 592) or unyank a release. Installers skip yanked releases unless pinned.

    Records ``release:yank`` (with the reason) or ``release:unyank``.

    Args:
        actor: an owner of the project, or the operator.

    Raises:
        ProjectNotFoundError, ReleaseNotFoundError, PermissionDeniedError.
    """
    with transaction.atomic():
        project = get_project(project_name)
        require_owner(actor, project, action=_("yank releases"))
        release = get_release(project, version)
        release.yanked = yanked
        release.yanked_reason = reason if yanked else ""
        release.save(update_fields=["yanked", "yanked_reason"])
        if yanked:
            record_event(
                tag=Tag.RELEASE_YANK, actor=actor, subject=release, details={"reason": reason}
            )
        else:
            record_event(tag=Tag.RELEASE_UNYANK, actor=actor, subject=release)
        mark_project_changed(project.pk)
    return release


def remove_project(*, actor: Actor, project_name: str) -> None:
    """Delete a project with all its releases and files. Its filenames stay used forever.

    Records ``project:remove``, with how many releases and files went with it.

    Raises:
        ProjectNotFoundError, PermissionDeniedError (``actor`` is not an owner).
    """
    from stockade.simple.services import publish_index, unpublish_project

    with transaction.atomic():
        project = get_project(project_name)
        require_owner(actor, project, action=_("delete the project"))
        paths = list(File.objects.filter(release__project=project).values_list("path", flat=True))
        # Counts, not names: a large project's file list would bloat a row kept forever.
        details = {"releases": project.releases.count(), "files": len(paths)}
        record_event(tag=Tag.PROJECT_REMOVE, actor=actor, subject=project, details=details)
        normalized = project.normalized_name
        project.delete()
        transaction.on_commit(lambda: _delete_blobs(paths), robust=True)
        transaction.on_commit(lambda: unpublish_project(normalized), robust=True)
        transaction.on_commit(publish_index, robust=True)


def remove_release(*, actor: Actor, project_name: str, version: str) -> None:
    """Delete one release and its files. Their filenames stay used forever.

    Records ``release:remove``, with the removed files in the details.

    Raises:
        ProjectNotFoundError, ReleaseNotFoundError, PermissionDeniedError.
    """
    with transaction.atomic():
        project = get_project(project_name)
        require_owner(actor, project, action=_("delete releases"))
        release = get_release(project, version)
        files = list(release.files.all())
        record_event(
            tag=Tag.RELEASE_REMOVE,
            actor=actor,
            subject=release,
            details={"files": [f.filename for f in files]},
        )
        _subtract_size(project, files)
        release.delete()
        mark_project_changed(project.pk)
        transaction.on_commit(lambda: _delete_blobs([f.path for f in files]), robust=True)


def remove_file(*, actor: Actor, project_name: str, version: str, filename: str) -> None:
    """Delete one file of a release. Its filename can never be uploaded again.

    Records ``file:remove`` with the file's sha256.

    Raises:
        ProjectNotFoundError, ReleaseNotFoundError, FileNotFoundInReleaseError,
        PermissionDeniedError.
    """
    with transaction.atomic():
        project = get_project(project_name)
        require_owner(actor, project, action=_("delete files"))
        release = get_release(project, version)
        file = release.files.filter(filename=filename).first()
        if file is None:
            raise FileNotFoundInReleaseError(filename)
        record_event(
            tag=Tag.FILE_REMOVE, actor=actor, subject=file, details={"sha256": file.sha256}
        )
        _subtract_size(project, [file])
        file.delete()
        mark_project_changed(project.pk)
        transaction.on_commit(lambda: _delete_blobs([file.path]), robust=True)


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
