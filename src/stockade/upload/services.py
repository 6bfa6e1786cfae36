"""Accept a distribution upload: the write path of DESIGN.md as a pipeline of named steps.

    validate (no side effects) -> store blobs (content-addressed) -> record rows (one
    transaction) -> publish pages (after commit)

A failure before ``record_file`` commits removes the blobs this upload wrote, so no stored file
is left without its row, and no row ever points at a missing file. The rows' transaction also
records the audit events (``project:create``, ``release:add``, ``file:add``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from stockade.audit.services import Actor, Tag, note_token_use, record_event
from stockade.packaging import blobs
from stockade.packaging.models import File, Project, Release, Role, UsedFilename
from stockade.packaging.services import canonical_version, find_project, mark_project_changed
from stockade.tokens.models import ApiToken
from stockade.tokens.services import record_token_use
from stockade.upload import pipeline
from stockade.upload.exceptions import FileExistsConflictError, UploadError
from stockade.upload.pipeline import UploadContext, UploadRequest

logger = logging.getLogger(__name__)

VALIDATION_STEPS = (
    pipeline.check_protocol,
    pipeline.check_form_text,
    pipeline.parse_filename,
    pipeline.parse_metadata,
    pipeline.check_filename_matches_metadata,
    pipeline.authorize_project,
    pipeline.check_two_factor_policy,
    pipeline.check_project_name,
    pipeline.check_file_size,
    pipeline.compute_digests,
    pipeline.check_supplied_digests,
    pipeline.inspect_archive,
    pipeline.check_archive_metadata,
    pipeline.render_description,
)
NOVELTY_STEPS = (
    pipeline.check_file_is_new,
    pipeline.check_one_sdist_per_release,
    pipeline.check_project_size,
)


@dataclass(frozen=True)
class UploadOutcome:
    file: File
    created: bool  # False when the identical file was already there (a no-op)


def upload_distribution(*, actor: Actor, token: ApiToken, request: UploadRequest) -> UploadOutcome:
    """Validate, store, record and publish one uploaded file.

    Args:
        actor: the request authenticated by ``token`` (``actor_for_token``).

    Raises:
        UploadError: a subclass naming the rule the upload broke.
    """
    ctx = UploadContext(request=request, token=token)
    for step in VALIDATION_STEPS:
        step(ctx)
    existing = pipeline.find_identical_file(ctx)
    if existing is not None:
        note_token_use(actor)
        record_token_use(token)
        return UploadOutcome(existing, created=False)
    for step in NOVELTY_STEPS:
        step(ctx)
    path = store_blobs(ctx)
    try:
        file = record_file(ctx, path, actor)
    except BaseException:
        discard_blobs_unless_recorded(path)
        raise
    record_token_use(token)
    logger.info("Accepted upload %s (%s bytes)", file.filename, file.size)
    return UploadOutcome(file, created=True)


def store_blobs(ctx: UploadContext) -> str:
    """Write the file (and a wheel's METADATA, for PEP 658) before any row points at them."""
    path = pipeline.stored_path(ctx)
    blobs.put_file(path, ctx.request.content)
    if ctx.request.filename.endswith(".whl"):
        blobs.put_bytes(f"{path}.metadata", ctx.archive_metadata)
    return path


def discard_blobs_unless_recorded(path: str) -> None:
    # The same path can only belong to a row if it holds these very bytes under this filename
    # (a concurrent identical upload won the race); then the blob must stay.
    if not File.objects.filter(path=path).exists():
        blobs.delete(path)
        blobs.delete(f"{path}.metadata")


def record_file(ctx: UploadContext, path: str, actor: Actor) -> File:
    """Create the project (for a first upload), the release and the file in one transaction.

    Raises:
        FileExistsConflictError: a concurrent upload took the filename first.
        PermissionDeniedError: someone else created the project meanwhile.
    """
    try:
        return _record_rows(ctx, path, actor)
    except IntegrityError as e:
        identical = pipeline.find_identical_file(ctx)
        if identical is not None:
            return identical
        if UsedFilename.objects.filter(filename=ctx.request.filename).exists():
            raise FileExistsConflictError(
                f"File already exists: {ctx.request.filename!r} was uploaded at the same "
                "moment with other contents."
            ) from e
    # A concurrent first upload created the project or release: once more, now under its lock.
    return _record_rows(ctx, path, actor)


def _record_rows(ctx: UploadContext, path: str, actor: Actor) -> File:
    with transaction.atomic():
        # First: it looks for earlier events of this token from this address.
        note_token_use(actor)
        project, created = _lock_or_create_project(ctx)
        if created:
            record_event(tag=Tag.PROJECT_CREATE, actor=actor, subject=project)
        release, new_release = _get_or_create_release(ctx, project)
        if new_release:
            record_event(tag=Tag.RELEASE_ADD, actor=actor, subject=release)
        file = _create_file(ctx, release, path)
        record_event(tag=Tag.FILE_ADD, actor=actor, subject=file, details={"sha256": file.sha256})
        UsedFilename.objects.create(filename=file.filename, project_name=project.name)
        Project.objects.filter(pk=project.pk).update(total_size=F("total_size") + file.size)
        mark_project_changed(project.pk)
        if created:
            from stockade.simple.services import publish_index

            transaction.on_commit(publish_index, robust=True)
    return file


def _lock_or_create_project(ctx: UploadContext) -> tuple[Project, bool]:
    assert ctx.metadata and ctx.dist
    project = Project.objects.select_for_update().filter(normalized_name=ctx.dist.name).first()
    if project is not None:
        # Re-check under the lock: the project may have appeared since authorization.
        pipeline.check_may_upload(ctx.user, project)
        return project, False
    project = Project.objects.create(name=ctx.metadata.name)
    Role.objects.create(user=ctx.user, project=project, role=Role.Name.OWNER)
    return project, True


def _get_or_create_release(ctx: UploadContext, project: Project) -> tuple[Release, bool]:
    assert ctx.metadata
    version = str(ctx.metadata.version)
    release = Release.objects.filter(
        project=project, canonical_version=canonical_version(version)
    ).first()
    if release is not None:
        return release, False
    release = Release.objects.create(
        project=project,
        version=version,
        canonical_version=canonical_version(version),
        metadata=dict(ctx.raw_metadata),
        summary=ctx.metadata.summary or "",
        requires_python=str(ctx.metadata.requires_python or ""),
        description_html=ctx.description_html,
        uploader=ctx.user,
    )
    return release, True


def _create_file(ctx: UploadContext, release: Release, path: str) -> File:
    assert ctx.digests and ctx.dist and ctx.metadata
    return File.objects.create(
        release=release,
        filename=ctx.request.filename,
        path=path,
        size=ctx.request.size,
        sha256=ctx.digests.sha256,
        blake2_256=ctx.digests.blake2_256,
        md5=ctx.digests.md5,
        packagetype=ctx.dist.packagetype,
        python_version=(ctx.request.fields.get("pyversion") or [""])[0][:50],
        requires_python=str(ctx.metadata.requires_python or ""),
        metadata_sha256=_metadata_sha256(ctx),
        uploaded_via=ctx.request.user_agent[:200],
    )


def _metadata_sha256(ctx: UploadContext) -> str:
    if not ctx.request.filename.endswith(".whl"):
        return ""
    return hashlib.sha256(ctx.archive_metadata).hexdigest()


def record_upload_refusal(
    *, actor: Actor, error: UploadError, upload: UploadRequest | None = None
) -> None:
    """Record ``upload:refused`` for an authorization refusal (a 401 or 403), in its own
    transaction: the refused upload changed nothing.

    Args:
        actor: the token's actor, or an anonymous one when no valid token was given.
        upload: the parsed form, when the refusal came after parsing (names file and project).
    """
    names = upload.fields.get("name") if upload is not None else None
    project = find_project(names[0]) if names else None
    details = {
        "reason": error.message[:500],
        "code": error.reason,
        "filename": upload.filename[:255] if upload is not None else "",
    }
    with transaction.atomic():
        record_event(tag=Tag.UPLOAD_REFUSED, actor=actor, project=project, details=details)
