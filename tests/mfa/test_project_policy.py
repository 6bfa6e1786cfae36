"""A project's own requirement, managed by its owners on /manage/project/<name>/two-factor/."""

from __future__ import annotations

import pytest
from django.test import Client

from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa.models import ProjectMfaPolicy
from stockade.packaging.models import Project, Role
from tests.mfa.conftest import IP

pytestmark = pytest.mark.django_db

URL = "/manage/project/guarded/two-factor/"


@pytest.fixture
def project(owner, maintainer) -> Project:
    project = Project.objects.create(name="Guarded")
    Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    Role.objects.create(user=maintainer, project=project, role=Role.Name.MAINTAINER)
    return project


def as_user(user) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def test_an_owner_requires_a_factor_of_every_member(project, owner, person):
    Role.objects.create(user=person, project=project, role=Role.Name.MAINTAINER)
    web = as_user(owner)
    page = web.get(URL)
    assert page.status_code == 200
    assert b"pia" in page.content  # listed: no second factor
    response = web.post(URL, {"require_members": "on"})
    assert response.status_code == 302
    assert ProjectMfaPolicy.objects.get(project=project).require_members is True
    event = AuditEvent.objects.get(tag=Tag.MFA_PROJECT_POLICY_CHANGE)
    assert event.project_id == project.pk and event.details == {"required": "required"}
    web.post(URL, {})
    assert ProjectMfaPolicy.objects.get(project=project).require_members is False
    assert AuditEvent.objects.filter(tag=Tag.MFA_PROJECT_POLICY_CHANGE).count() == 2


def test_an_owner_without_a_factor_cannot_require_one(project, person):
    Role.objects.create(user=person, project=project, role=Role.Name.OWNER)
    web = as_user(person)
    response = web.post(URL, {"require_members": "on"}, follow=True)
    assert b"Add a second factor to your own account" in response.content
    assert not ProjectMfaPolicy.objects.filter(project=project, require_members=True).exists()


def test_a_maintainer_may_not_change_it(project, maintainer):
    assert as_user(maintainer).post(URL, {"require_members": "on"}).status_code == 403


def test_an_outsider_does_not_learn_the_project_exists(project, outsider):
    assert as_user(outsider).get(URL).status_code == 404
    assert as_user(outsider).get("/manage/project/nothing/two-factor/").status_code == 404
