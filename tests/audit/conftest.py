"""Audit fixtures: a signing key per test, a project with roles, and a way to fill the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stockade.audit.actors import Actor, Means, actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.audit.services import record_event
from stockade.audit.tags import Tag
from stockade.packaging.models import Project, Release, Role


@pytest.fixture(autouse=True)
def audit_signing_key(tmp_path: Path, settings) -> Path:
    """Give every test its own checkpoint signing key."""
    path = tmp_path / "audit_signing_key"
    settings.STOCKADE_AUDIT_SIGNING_KEY_FILE = str(path)
    return path


@pytest.fixture
def project(owner, maintainer) -> Project:
    project = Project.objects.create(name="Demo_Pkg")
    Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    Role.objects.create(user=maintainer, project=project, role=Role.Name.MAINTAINER)
    return project


@pytest.fixture
def release(project: Project, owner) -> Release:
    return Release.objects.create(
        project=project, version="1.0", canonical_version="1", uploader=owner
    )


def session_actor(user, ip: str = "203.0.113.7") -> Actor:
    return Actor(Means.SESSION, user=user, ip=ip, user_agent="Firefox")


@pytest.fixture
def fill_log(db) -> Callable[[int], list[AuditEvent]]:
    """Record ``n`` events by the operator and return them (unsealed)."""

    def _fill(n: int) -> list[AuditEvent]:
        actor = actor_for_cli()
        return [
            record_event(tag=Tag.ADMIN_USER_ENABLE, actor=actor, details={"n": i}) for i in range(n)
        ]

    return _fill
