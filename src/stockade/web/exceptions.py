"""Errors raised by the web app's read-only queries."""

from __future__ import annotations


class WebError(Exception):
    """Base class; the message is fit to show a user."""


class UserNotFoundError(WebError):
    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}.")
        self.username = username
