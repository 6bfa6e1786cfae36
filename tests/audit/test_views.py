"""The history pages: who may see what, and what each row says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stockade.audit.actors import actor_for_cli, actor_for_token
from stockade.audit.iphash import hash_ip
from stockade.audit.models import AuditEvent
from stockade.audit.services import record_event
from stockade.audit.tags import Tag
from stockade.tokens.services import issue_token
from tests.audit.conftest import session_actor

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("audit:account-history")
ADMIN = reverse("audit:admin-log")


def _project_url(name: str = "demo-pkg") -> str:
    return reverse("audit:project-history", args=[name])


@pytest.fixture
def staff(db):
    from stockade.accounts.services import create_user

    return create_user(
        actor=actor_for_cli(), username="ada", email="ada@example.com", password=None, is_admin=True
    )


@pytest.fixture
def history(staff, owner, outsider, release):
    """Five events, in an otherwise empty log."""
    token, _secret = issue_token(actor=actor_for_cli(owner), user=owner, name="release-bot")
    # Forget the events of setting up (accounts and the token made at the command line).
    AuditEvent.objects.all().delete()
    record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    record_event(tag=Tag.TOKEN_CREATE, actor=session_actor(owner), subject=token, project=None)
    record_event(
        tag=Tag.RELEASE_YANK,
        actor=actor_for_token(token, ip="198.51.100.4"),
        subject=release,
        details={"reason": "broken"},
    )
    record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(outsider, ip="192.0.2.66"))
    record_event(tag=Tag.ADMIN_USER_DISABLE, actor=actor_for_cli(), subject=outsider)
    return token


@pytest.mark.parametrize("url", [ACCOUNT, ADMIN, _project_url()])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/account/login/" in response.url


def test_account_history_shows_only_own_events_in_plain_words(client, owner, history):
    client.force_login(owner)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<caption>" in body
    assert "olivia logged in" in body
    assert "olivia created the API token “release-bot”" in body
    assert "API token “release-bot”" in body and "browser session" in body
    assert "203.0.113.7" in body
    assert "192.0.2.66" not in body and "disabled the account" not in body


def test_account_history_includes_what_was_done_to_the_account(client, outsider, history):
    client.force_login(outsider)
    body = client.get(ACCOUNT).content.decode()
    assert "The operator" in body and "disabled the account oscar" in body
    assert "olivia" not in body


def test_project_history_for_owner_and_maintainer(client, owner, maintainer, history):
    for person in (owner, maintainer):
        client.force_login(person)
        response = client.get(_project_url("DEMO.pkg"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "olivia yanked the release Demo_Pkg 1.0" in body
        assert "API token “release-bot”" in body
        assert "198.51.100.4" not in body, "co-maintainers see a fingerprint, not the address"
        assert hash_ip("198.51.100.4")[:12] in body


def test_project_history_is_404_for_outsiders_and_unknown_projects(client, outsider, history):
    client.force_login(outsider)
    assert client.get(_project_url()).status_code == 404
    assert client.get(_project_url("no-such-project")).status_code == 404


def test_admin_log_is_404_for_non_staff(client, owner, history):
    client.force_login(owner)
    assert client.get(ADMIN).status_code == 404


def test_admin_log_lists_everything(client, staff, history):
    client.force_login(staff)
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEvent.objects.count() == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "OSCAR"}, 2),
        ({"project": "demo.pkg"}, 1),
        ({"tag": "account:login"}, 2),
        ({"ip": "192.0.2.66"}, 1),
        ({"ip": hash_ip("203.0.113.7")[:10]}, 2),
        ({"ip": "not an address"}, 0),
        ({"user": "olivia", "tag": "token:create"}, 1),
    ],
)
def test_admin_log_filters(client, staff, history, query, expected):
    client.force_login(staff)
    response = client.get(ADMIN, query)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == expected


def test_admin_log_filters_by_time_range(client, staff, history):
    old = AuditEvent.objects.order_by("id").first()
    AuditEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=3))
    client.force_login(staff)
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.get(ADMIN, {"since": since}).context["page"].paginator.count == 4
    assert client.get(ADMIN, {"until": since}).context["page"].paginator.count == 1


def test_admin_log_with_invalid_filter_shows_the_error_and_no_events(client, staff, history):
    client.force_login(staff)
    response = client.get(ADMIN, {"tag": "account:teleport"})
    assert response.context["page"].paginator.count == 0
    assert "errorlist" in response.content.decode()


def test_admin_log_paginates_and_keeps_filters(client, staff):
    actor = actor_for_cli()
    for _ in range(60):
        record_event(tag=Tag.ADMIN_USER_ENABLE, actor=actor)
    client.force_login(staff)
    first = client.get(ADMIN, {"tag": "admin:user-enable"})
    assert len(first.context["rows"]) == 50
    assert "tag=admin%3Auser-enable&amp;page=2" in first.content.decode()
    second = client.get(ADMIN, {"tag": "admin:user-enable", "page": 2})
    assert len(second.context["rows"]) == 10
