"""Fixtures for the public pages: projects published through the real upload path, or rows
made directly when a test needs many projects."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from packaging.utils import canonicalize_version

from stockade.packaging.models import Project, Release
from stockade.web.search import update_search_index
from tests.distributions import Dist


@pytest.fixture
def publish(upload, owner_token: str, django_capture_on_commit_callbacks) -> Callable[..., Dist]:
    """Upload ``Dist(name, **dist_fields)`` as the owner, as twine would, and run the work a
    real request runs after commit (simple pages, search index). Returns the Dist.

    publish(name, kind="wheel"|"sdist", fields={extra form fields}, **dist_fields)
    """

    def _publish(name: str, *, kind: str = "wheel", fields: dict | None = None, **dist_fields):
        dist = Dist(name, **dist_fields)
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(owner_token, dist, kind=kind, fields=fields)
        assert response.status_code == 200, response.content
        return dist

    return _publish


@pytest.fixture
def make_project(db) -> Callable[..., Project]:
    """Create a project with one release straight in the database and index it: fast enough
    for tests that need dozens of projects."""

    def _make(
        name: str, *, summary: str = "", keywords: list[str] | None = None, version: str = "1.0"
    ) -> Project:
        project = Project.objects.create(name=name)
        Release.objects.create(
            project=project,
            version=version,
            canonical_version=canonicalize_version(version),
            summary=summary,
            metadata={"name": name, "version": version, "keywords": keywords or []},
        )
        update_search_index(project.pk)
        return project

    return _make
