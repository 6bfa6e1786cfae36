"""The steps of an upload, in the order ``services.upload_distribution`` runs them.

Each step is small and named for the one rule it enforces; each raises an ``UploadError``
subclass whose message tells the uploader what to fix. Steps before ``store_blobs`` touch
nothing; ``store_blobs`` writes content-addressed files; ``record_file`` commits the rows.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from packaging.metadata import Metadata, RawMetadata
from packaging.utils import canonicalize_name
from packaging.version import Version

from stockade.accounts.models import User
from stockade.mfa.policy import upload_refusal
from stockade.packaging.models import File, Project, Role, UsedFilename
from stockade.packaging.services import canonical_version, find_project
from stockade.packaging.storage_paths import file_path
from stockade.tokens.exceptions import TokenScopeError
from stockade.tokens.models import ApiToken
from stockade.tokens.services import check_token_scope
from stockade.upload import archives, descriptions, filenames, metadata
from stockade.upload.exceptions import (
    DigestMismatchError,
    FileExistsConflictError,
    FileTooLargeError,
    InvalidMetadataError,
    InvalidRequestError,
    NameRefusedError,
    PermissionDeniedError,
    ProjectTooLargeError,
)

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


@dataclass
class UploadRequest:
    """What the edge parsed from the HTTP request."""

    fields: dict[str, list[str]]
    content: IO[bytes]
    filename: str
    size: int
    user_agent: str = ""


@dataclass
class Digests:
    md5: str
    sha256: str
    blake2_256: str


@dataclass
class UploadContext:
    """State that the steps build up."""

    request: UploadRequest
    token: ApiToken
    dist: filenames.DistributionFilename | None = None
    raw_metadata: RawMetadata = field(default_factory=dict)  # type: ignore[assignment]
    metadata: Metadata | None = None
    project: Project | None = None
    digests: Digests | None = None
    archive_metadata: bytes = b""
    description_html: str = ""

    @property
    def user(self) -> User:
        return self.token.user


def check_protocol(ctx: UploadContext) -> None:
    action = _single(ctx.request.fields, ":action")
    if action in {"submit", "doc_upload"}:
        raise InvalidRequestError(
            f"The {action!r} action is not supported: projects need no registration, "
            "upload the files themselves."
        )
    if action != "file_upload":
        raise InvalidRequestError("Missing or unknown ':action'; upload with twine or uv.")
    version = _single(ctx.request.fields, "protocol_version") or "1"
    if version != "1":
        raise InvalidRequestError(f"Unknown protocol_version {version!r}; only 1 is supported.")


def check_form_text(ctx: UploadContext) -> None:
    """Refuse NUL characters: no metadata field needs one, and PostgreSQL text cannot hold it."""
    for key, values in ctx.request.fields.items():
        if any("\x00" in value for value in values):
            raise InvalidRequestError(
                f"The {key!r} field contains a NUL character; remove it from the metadata."
            )


def parse_filename(ctx: UploadContext) -> None:
    ctx.dist = filenames.parse_distribution_filename(ctx.request.filename)
    filetype = _single(ctx.request.fields, "filetype")
    if filetype != ctx.dist.packagetype:
        raise InvalidRequestError(
            f"filetype {filetype!r} does not match the file {ctx.request.filename!r}, "
            f"which is a {ctx.dist.packagetype}."
        )


def parse_metadata(ctx: UploadContext) -> None:
    ctx.raw_metadata = metadata.raw_metadata_from_form(ctx.request.fields)
    ctx.metadata = metadata.validate_metadata(ctx.raw_metadata)


def check_filename_matches_metadata(ctx: UploadContext) -> None:
    assert ctx.dist and ctx.metadata
    if ctx.dist.name != canonicalize_name(ctx.metadata.name):
        raise InvalidMetadataError(
            f"The file {ctx.dist.filename!r} is for project {ctx.dist.name!r}, but the "
            f"metadata names {ctx.metadata.name!r}. Rebuild the distribution."
        )
    if ctx.dist.version != ctx.metadata.version:
        raise InvalidMetadataError(
            f"The file {ctx.dist.filename!r} is for version {ctx.dist.version}, but the "
            f"metadata says {ctx.metadata.version}. Rebuild the distribution."
        )


def authorize_project(ctx: UploadContext) -> None:
    """Refuse unless the token's user may upload to this project (or create it)."""
    assert ctx.metadata
    if not ctx.user.is_active:
        raise PermissionDeniedError("This account is disabled.")
    if not ctx.user.has_verified_primary_email():
        raise PermissionDeniedError(
            "Verify your primary email address before uploading: open the link in the "
            "verification email, or ask an administrator."
        )
    try:
        check_token_scope(ctx.token, ctx.metadata.name)
    except TokenScopeError as e:
        raise PermissionDeniedError(str(e)) from e
    ctx.project = find_project(ctx.metadata.name)
    if ctx.project is not None:
        check_may_upload(ctx.user, ctx.project)


def check_two_factor_policy(ctx: UploadContext) -> None:
    """Refuse a token whose owner has no second factor when the policy or the project needs one.

    ``STOCKADE_REQUIRE_2FA`` (``publish`` or ``all``) or the project's own requirement
    (docs/two-factor.md); the message names the page where a factor is added.
    """
    assert ctx.metadata
    refusal = upload_refusal(
        user_id=ctx.user.pk,
        username=ctx.user.username,
        project_id=ctx.project.pk if ctx.project is not None else None,
        project_name=ctx.project.name if ctx.project is not None else ctx.metadata.name,
    )
    if refusal:
        raise PermissionDeniedError(refusal)


def check_project_name(ctx: UploadContext) -> None:
    """Judge a new project's name (stockade.names): refuse it, or create it held for review."""
    if ctx.project is not None:
        return
    assert ctx.metadata
    from stockade.audit.actors import actor_for_token
    from stockade.names import exceptions as name_errors
    from stockade.names import services as names

    actor = actor_for_token(ctx.token, user_agent=ctx.request.user_agent)
    try:
        verdict = names.screen_new_project_name(name=ctx.metadata.name, user=ctx.user, actor=actor)
    except name_errors.NameRefusedError as e:
        raise NameRefusedError(e.message) from e
    if verdict.decision == "hold":
        ctx.project = names.reserve_held_project(
            name=ctx.metadata.name, user=ctx.user, actor=actor, verdict=verdict
        )
        check_may_upload(ctx.user, ctx.project)


def check_may_upload(user: User, project: Project) -> None:
    if not Role.objects.filter(user=user, project=project).exists():
        raise PermissionDeniedError(
            f"The user {user.username!r} is not an owner or maintainer of {project.name!r}; "
            "ask an owner to add you as a collaborator."
        )


def check_file_size(ctx: UploadContext) -> None:
    limit = settings.STOCKADE_MAX_FILE_SIZE
    if ctx.request.size > limit:
        raise FileTooLargeError(
            f"The file is {ctx.request.size} bytes; the limit is {limit} bytes. "
            "Ask the index operator to raise STOCKADE_MAX_FILE_SIZE."
        )
    if ctx.request.size == 0:
        raise InvalidRequestError("The uploaded file is empty.")


def compute_digests(ctx: UploadContext) -> None:
    md5, sha256, blake2 = (
        hashlib.md5(usedforsecurity=False),
        hashlib.sha256(),
        hashlib.blake2b(digest_size=32),
    )
    handle = ctx.request.content
    handle.seek(0)
    while chunk := handle.read(_CHUNK):
        md5.update(chunk)
        sha256.update(chunk)
        blake2.update(chunk)
    handle.seek(0)
    ctx.digests = Digests(md5.hexdigest(), sha256.hexdigest(), blake2.hexdigest())


def check_supplied_digests(ctx: UploadContext) -> None:
    assert ctx.digests
    supplied = {
        "md5_digest": ctx.digests.md5,
        "sha256_digest": ctx.digests.sha256,
        "blake2_256_digest": ctx.digests.blake2_256,
    }
    given = {k: _single(ctx.request.fields, k).lower() for k in supplied}
    if not any(given.values()):
        raise DigestMismatchError(
            "No digest was sent; include sha256_digest (twine and uv do this for you)."
        )
    for key, actual in supplied.items():
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        if given[key] and not hmac.compare_digest(given[key].encode(), actual.encode()):
            raise DigestMismatchError(
                f"The {key} you sent does not match the file's bytes; the upload was "
                "corrupted in transit. Try again."
            )


def inspect_archive(ctx: UploadContext) -> None:
    assert ctx.dist
    limits = archives.ArchiveLimits(
        max_unpacked_size=settings.STOCKADE_MAX_UNPACKED_SIZE,
        max_compression_ratio=settings.STOCKADE_MAX_COMPRESSION_RATIO,
        max_members=settings.STOCKADE_MAX_ARCHIVE_MEMBERS,
    )
    stem = _filename_stem(ctx.dist.filename)
    handle = ctx.request.content
    handle.seek(0)
    if ctx.dist.packagetype == "bdist_wheel":
        found = archives.inspect_wheel(handle, dist_info_dir=f"{stem}.dist-info", limits=limits)
    else:
        found = archives.inspect_sdist(handle, top_dir=stem, limits=limits)
    handle.seek(0)
    ctx.archive_metadata = found.metadata


def check_archive_metadata(ctx: UploadContext) -> None:
    """The metadata inside the archive is what installers read; it must agree with the form."""
    assert ctx.dist and ctx.metadata
    where = "METADATA" if ctx.dist.packagetype == "bdist_wheel" else "PKG-INFO"
    name, version = metadata.parse_archive_metadata(ctx.archive_metadata, where=where)
    if canonicalize_name(name) != canonicalize_name(ctx.metadata.name):
        raise InvalidMetadataError(
            f"The {where} inside the archive names project {name!r}, but the upload says "
            f"{ctx.metadata.name!r}. Rebuild the distribution."
        )
    try:
        same_version = Version(version) == ctx.metadata.version
    except ValueError:
        same_version = False
    if not same_version:
        raise InvalidMetadataError(
            f"The {where} inside the archive says version {version!r}, but the upload says "
            f"{ctx.metadata.version}. Rebuild the distribution."
        )


def render_description(ctx: UploadContext) -> None:
    assert ctx.metadata
    ctx.description_html = descriptions.render_description(
        ctx.metadata.description or "", ctx.metadata.description_content_type
    )


def find_identical_file(ctx: UploadContext) -> File | None:
    """Return the existing file when this exact file was uploaded before (a no-op re-upload)."""
    assert ctx.digests
    existing = File.objects.filter(filename=ctx.request.filename).first()
    if existing is not None and hmac.compare_digest(existing.sha256, ctx.digests.sha256):
        return existing
    return None


def check_file_is_new(ctx: UploadContext) -> None:
    assert ctx.digests
    filename = ctx.request.filename
    if File.objects.filter(filename=filename).exists():
        raise FileExistsConflictError(
            f"File already exists: {filename!r} was uploaded before with other contents. "
            "Bump the version to upload a changed file."
        )
    if UsedFilename.objects.filter(filename=filename).exists():
        raise FileExistsConflictError(
            f"File already exists: the filename {filename!r} was used by a file that has been "
            "deleted, and a filename is never reused. Bump the version."
        )
    if ctx.project is not None:
        same_bytes = File.objects.filter(
            release__project=ctx.project, sha256=ctx.digests.sha256
        ).first()
        if same_bytes is not None:
            raise FileExistsConflictError(
                f"File already exists: these bytes were already uploaded as "
                f"{same_bytes.filename!r}."
            )


def check_one_sdist_per_release(ctx: UploadContext) -> None:
    assert ctx.dist and ctx.metadata
    if ctx.dist.packagetype != "sdist" or ctx.project is None:
        return
    if File.objects.filter(
        release__project=ctx.project,
        release__canonical_version=canonical_version(str(ctx.metadata.version)),
        packagetype=File.PackageType.SDIST,
    ).exists():
        raise FileExistsConflictError(
            f"Only one sdist may be uploaded per release; {ctx.metadata.name} "
            f"{ctx.metadata.version} already has one."
        )


def check_project_size(ctx: UploadContext) -> None:
    if ctx.project is None:
        return
    limit = settings.STOCKADE_MAX_PROJECT_SIZE
    if ctx.project.total_size + ctx.request.size > limit:
        raise ProjectTooLargeError(
            f"Project {ctx.project.name!r} would grow past its size limit of {limit} bytes; "
            "remove old files or ask the index operator to raise STOCKADE_MAX_PROJECT_SIZE."
        )


def stored_path(ctx: UploadContext) -> str:
    assert ctx.digests
    return file_path(ctx.digests.blake2_256, ctx.request.filename)


def _single(fields: dict[str, list[str]], key: str) -> str:
    values = fields.get(key) or [""]
    return values[0].strip()


def _filename_stem(filename: str) -> str:
    """``name-version`` as the filename spells it (the dist-info or top directory name)."""
    if filename.endswith(".whl"):
        return "-".join(filename[: -len(".whl")].split("-")[:2])
    return filename[: -len(".tar.gz")]
