"""An action whose transaction rolls back leaves no event behind."""

from __future__ import annotations

import pytest
from django.db import transaction

from stockade.audit.models import AuditEvent
from stockade.audit.services import record_event
from stockade.audit.tags import Tag
from stockade.packaging.models import Project
from tests.audit.conftest import session_actor

pytestmark = pytest.mark.django_db


class ActionFailedError(Exception):
    pass


def _create_project_then_fail(owner) -> None:
    with transaction.atomic():
        project = Project.objects.create(name="doomed")
        record_event(tag=Tag.PROJECT_CREATE, actor=session_actor(owner), subject=project)
        raise ActionFailedError


def _logout_then_fail(owner) -> None:
    with transaction.atomic():
        record_event(tag=Tag.ACCOUNT_LOGOUT, actor=session_actor(owner))
        raise ActionFailedError


def test_rolled_back_action_leaves_no_event(owner):
    before = set(AuditEvent.objects.values_list("id", flat=True))
    with pytest.raises(ActionFailedError):
        _create_project_then_fail(owner)
    assert not Project.objects.filter(name="doomed").exists()
    assert set(AuditEvent.objects.values_list("id", flat=True)) == before


def test_committed_sibling_survives_a_rolled_back_savepoint(owner):
    before = set(AuditEvent.objects.values_list("id", flat=True))
    with transaction.atomic():
        record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
        with pytest.raises(ActionFailedError):
            _logout_then_fail(owner)
    new = AuditEvent.objects.exclude(id__in=before)
    assert list(new.values_list("tag", flat=True)) == [Tag.ACCOUNT_LOGIN]
