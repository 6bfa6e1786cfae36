"""Errors raised by packaging services (yank, remove, look-ups)."""

from __future__ import annotations


class PackagingError(Exception):
    """Base class; the message is fit to show a user."""


class ProjectNotFoundError(PackagingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No project named {name!r}.")
        self.name = name


class ReleaseNotFoundError(PackagingError):
    def __init__(self, project: str, version: str) -> None:
        super().__init__(f"Project {project!r} has no release {version!r}.")
        self.project = project
        self.version = version


class FileNotFoundInReleaseError(PackagingError):
    def __init__(self, filename: str) -> None:
        super().__init__(f"No file named {filename!r} in that release.")
        self.filename = filename
