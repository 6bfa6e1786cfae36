"""Each existing action, done through its public interface, records its event.

These tests describe the wiring that follows the audit core (issue 4): the services of accounts,
tokens, upload and packaging call ``record_event``. ``test_every_action.py`` covers every tag one
by one.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from stockade.audit.actors import actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.packaging.services import remove_file, remove_release, set_release_yanked
from tests.distributions import Dist

pytestmark = pytest.mark.django_db


def _tags() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("tag", flat=True))


def test_cli_user_create_records_admin_user_create(db):
    call_command("user", "create", "newbie", "--email", "newbie@example.com", stdout=io.StringIO())
    event = AuditEvent.objects.get(tag=Tag.ADMIN_USER_CREATE)
    assert event.actor_means == "cli" and event.subject_label == "newbie"


def test_cli_token_create_records_token_create(owner):
    call_command("token", "create", "--user", "olivia", "--name", "ci", stdout=io.StringIO())
    event = AuditEvent.objects.get(tag=Tag.TOKEN_CREATE)
    assert event.subject_label == "ci" and event.subject_user_id == owner.pk


def test_first_upload_records_project_release_file_and_new_ip(owner, owner_token, upload):
    response = upload(owner_token, Dist("fresh-pkg"))
    assert response.status_code == 200
    assert {Tag.TOKEN_NEW_IP, Tag.PROJECT_CREATE, Tag.RELEASE_ADD, Tag.FILE_ADD} <= set(_tags())
    file_event = AuditEvent.objects.get(tag=Tag.FILE_ADD)
    assert file_event.actor_means == "token" and file_event.token_name == "test"
    assert file_event.project_name == "fresh-pkg"


def test_refused_upload_records_upload_refused(owner_token, outsider, upload):
    from stockade.tokens.services import issue_token

    upload(owner_token, Dist("taken-pkg"))
    _row, other = issue_token(actor=actor_for_cli(), user=outsider, name="intruder")
    response = upload(other, Dist("taken-pkg", version="2.0"))
    assert response.status_code == 403
    event = AuditEvent.objects.get(tag=Tag.UPLOAD_REFUSED)
    assert event.actor_label == "oscar" and event.details.get("reason")


def test_yank_unyank_and_removals_record_their_events(owner_token, upload):
    dist = Dist("yank-pkg")
    upload(owner_token, dist)
    cli = actor_for_cli()
    set_release_yanked(actor=cli, project_name="yank-pkg", version="1.0", yanked=True, reason="x")
    set_release_yanked(actor=cli, project_name="yank-pkg", version="1.0", yanked=False)
    remove_file(actor=cli, project_name="yank-pkg", version="1.0", filename=dist.wheel_filename)
    remove_release(actor=cli, project_name="yank-pkg", version="1.0")
    tags = _tags()
    for tag in (Tag.RELEASE_YANK, Tag.RELEASE_UNYANK, Tag.FILE_REMOVE, Tag.RELEASE_REMOVE):
        assert tag in tags
