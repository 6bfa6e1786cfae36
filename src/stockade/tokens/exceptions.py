"""Why a token was not accepted. Messages say what to do next."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _


class TokenError(Exception):
    """Base class: the presented token does not authorize the request."""


class TokenInvalidError(TokenError):
    def __init__(self, reason: str = "it is malformed or was not issued by this index") -> None:
        super().__init__(f"Invalid API token: {reason}. Create a new token and try again.")
        self.reason = reason


class TokenRevokedError(TokenError):
    def __init__(self) -> None:
        super().__init__("This API token has been revoked. Create a new token and try again.")


class TokenExpiredError(TokenError):
    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            f"This API token expired at {expired_at:%Y-%m-%d %H:%M} UTC. Create a new token."
        )
        self.expired_at = expired_at


class TokenNotYetValidError(TokenError):
    def __init__(self, valid_from: datetime) -> None:
        super().__init__(f"This API token is not valid before {valid_from:%Y-%m-%d %H:%M} UTC.")
        self.valid_from = valid_from


class TokenScopeError(TokenError):
    def __init__(self, project: str, allowed: list[str]) -> None:
        super().__init__(
            f"This API token is limited to the project(s) {', '.join(allowed)} and cannot be "
            f"used for {project!r}. Use a token scoped to {project!r} or to your whole account."
        )
        self.project = project
        self.allowed = allowed


class TokenManagementError(Exception):
    """Base class: a request to create, list or revoke tokens cannot be carried out."""


class TokenNotFoundError(TokenManagementError):
    """No such token among the actor's own (other people's tokens are not found either)."""

    def __init__(self) -> None:
        super().__init__(_("No such API token."))


class TokenProjectNotAllowedError(TokenManagementError):
    def __init__(self, projects: list[str]) -> None:
        super().__init__(
            _("You are not an owner or maintainer of: %(projects)s.")
            % {"projects": ", ".join(projects)}
        )
        self.projects = projects


class DisclosureError(Exception):
    """A leaked-token report was refused as a whole; nothing was revoked."""


class UnsignedReportError(DisclosureError):
    def __init__(self) -> None:
        super().__init__(
            "The report must carry the X-Stockade-Reporter and X-Stockade-Signature headers."
        )


class UnknownReporterError(DisclosureError):
    def __init__(self) -> None:
        super().__init__("Unknown reporter: ask the index operator to configure your key.")


class BadSignatureError(DisclosureError):
    def __init__(self) -> None:
        super().__init__(
            "The signature does not verify: sign the raw body with ECDSA P-256 and SHA-256, "
            "and send the DER signature in base64."
        )


class MalformedReportError(DisclosureError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Malformed report: {reason}.")
        self.reason = reason


class ReportTooLargeError(DisclosureError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The report is larger than {limit} bytes: send smaller batches.")
        self.limit = limit
