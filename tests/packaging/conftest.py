"""Fixtures for the project management tests: a project with a release, made by real uploads."""

from __future__ import annotations

import pytest

from stockade.accounts.models import User
from stockade.audit.actors import Actor, Means
from stockade.packaging.models import Project, Role
from tests.distributions import Dist


@pytest.fixture
def project(upload, owner, owner_token, maintainer) -> Project:
    """The project ``widget`` with releases 1.0 and 2.0 (a wheel each), owned by ``owner`` and
    maintained by ``maintainer``."""
    for version in ("1.0", "2.0"):
        response = upload(owner_token, Dist("widget", version=version))
        assert response.status_code == 200, response.content
    project = Project.objects.get(normalized_name="widget")
    Role.objects.create(user=maintainer, project=project, role=Role.Name.MAINTAINER)
    return project


def acting(user: User) -> Actor:
    """Return ``user`` acting through a browser session."""
    return Actor(Means.SESSION, user=user, ip="192.0.2.20", user_agent="pytest")
