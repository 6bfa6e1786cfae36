"""Ordering releases by version, and which release a project shows by default.

One place for it: the simple pages, the JSON API, the web pages and the search index must agree
on which release is "the latest".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from packaging.version import InvalidVersion, Version


class _Versioned(Protocol):
    version: str
    yanked: bool


V = TypeVar("V", bound=_Versioned)


def version_key(version: str) -> tuple[int, Version | str]:
    """Sort key: valid versions by PEP 440, after any invalid ones (never raises)."""
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def is_prerelease(version: str) -> bool:
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def pick_latest(releases: Iterable[V]) -> V | None:
    """Return the release a project shows by default: the highest final release that is not
    yanked, else the highest that is not yanked, else the highest."""
    ranked = sorted(releases, key=lambda r: version_key(r.version), reverse=True)
    for wanted in (
        lambda r: not r.yanked and not is_prerelease(r.version),
        lambda r: not r.yanked,
        lambda r: True,
    ):
        for release in ranked:
            if wanted(release):
                return release
    return None
