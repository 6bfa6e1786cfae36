"""Why a token was not accepted. Messages say what to do next."""

from __future__ import annotations

from datetime import datetime


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
