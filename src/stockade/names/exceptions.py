"""Errors of the name policy; each message is fit to show the person who asked."""

from __future__ import annotations

from stockade.names.rules import Verdict


class NamePolicyError(Exception):
    """Base class."""


class NameRefusedError(NamePolicyError):
    """A new project name broke a rule whose decision is ``refuse``."""

    def __init__(self, verdict: Verdict, contact: str = "") -> None:
        self.verdict = verdict
        how = (
            f"contact the index administrators ({contact})"
            if contact
            else "contact the index administrators"
        )
        resembles = (
            f" it resembles the existing name {verdict.resembles!r}" if verdict.resembles else ""
        )
        super().__init__(
            f"The project name {verdict.name!r} is not allowed:{resembles} "
            f"(rule {verdict.rule}: {verdict.explanation}). Choose another name, or if this "
            f"name is genuine, {how} and ask for an exception."
        )
        self.message = str(self)


class HeldNameNotFoundError(NamePolicyError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No project named {name!r} is held for review.")
        self.name = name


class InvalidNameListError(NamePolicyError):
    """A protected-name list that cannot be read."""


class InvalidPolicyError(NamePolicyError):
    """STOCKADE_NAMES_DECISIONS names an unknown rule or decision."""
