"""Why an upload was refused. Each error carries the HTTP status the edge answers with and a
one-line message that says what is wrong and how to fix it (twine prints it)."""

from __future__ import annotations


class UploadError(Exception):
    """Base class. ``status`` is the HTTP status; ``reason`` tags the metric for this refusal."""

    status = 400
    reason = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(UploadError):
    reason = "invalid-request"


class InvalidMetadataError(UploadError):
    reason = "invalid-metadata"


class InvalidFilenameError(UploadError):
    reason = "invalid-filename"


class DigestMismatchError(UploadError):
    reason = "digest-mismatch"


class InvalidArchiveError(UploadError):
    reason = "invalid-archive"


class InvalidDescriptionError(UploadError):
    reason = "invalid-description"


class FileTooLargeError(UploadError):
    status = 413
    reason = "file-too-large"


class ProjectTooLargeError(UploadError):
    status = 413
    reason = "project-too-large"


class FileExistsConflictError(UploadError):
    status = 409
    reason = "file-exists"


class AuthenticationError(UploadError):
    status = 401
    reason = "unauthenticated"


class PermissionDeniedError(UploadError):
    status = 403
    reason = "forbidden"


class NameRefusedError(UploadError):
    """A new project's name resembles another too closely (stockade.names)."""

    reason = "name-refused"
