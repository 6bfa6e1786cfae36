"""Errors raised by the audit app; each carries a message fit to show the user."""

from __future__ import annotations

from django.utils.translation import gettext


class AuditError(Exception):
    """Base class for audit errors."""


class UnknownTagError(AuditError):
    def __init__(self, tag: str) -> None:
        super().__init__(f"Unknown audit tag {tag!r}: add it to stockade.audit.tags first.")
        self.tag = tag


class UnsupportedSubjectError(AuditError):
    def __init__(self, subject: object) -> None:
        super().__init__(f"Cannot record {type(subject).__name__} as an audit subject.")
        self.subject = subject


class HistoryNotFoundError(AuditError):
    """The project does not exist, or the user may not see its history (shown as 404)."""

    def __init__(self, name: str) -> None:
        super().__init__(gettext("No project named %(name)s.") % {"name": name})
        self.name = name
