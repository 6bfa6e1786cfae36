"""Recording events: what is stored, what is hashed, what is refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.utils import timezone

from stockade.audit.actors import (
    Actor,
    Means,
    actor_for_cli,
    actor_for_token,
    actor_from_request,
    system_actor,
)
from stockade.audit.describe import describe_event
from stockade.audit.exceptions import UnknownTagError, UnsupportedSubjectError
from stockade.audit.iphash import hash_ip
from stockade.audit.models import AuditEvent
from stockade.audit.services import note_token_use, purge_raw_ips, record_event
from stockade.audit.tags import SENTENCES, Tag
from stockade.tokens.services import issue_token
from tests.audit.conftest import session_actor

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def test_event_snapshots_actor_subject_and_client(owner):
    event = record_event(tag=Tag.ACCOUNT_PASSWORD_CHANGE, actor=session_actor(owner), subject=owner)
    event.refresh_from_db()
    assert event.actor_means == "session"
    assert (event.actor_user_id, event.actor_label) == (owner.pk, "olivia")
    assert (event.subject_type, event.subject_id, event.subject_label) == (
        "user",
        str(owner.pk),
        "olivia",
    )
    assert event.ip == "203.0.113.7"
    assert event.ip_hash == hash_ip("203.0.113.7") and len(event.ip_hash) == 64
    assert event.user_agent == "Firefox"
    assert event.seq is None, "recording never waits for the chain"


def test_ip_hash_is_keyed_and_canonical(settings):
    first = hash_ip("2001:db8::1")
    assert first == hash_ip("2001:0db8:0:0::1")
    assert hash_ip("::ffff:192.0.2.1") == hash_ip("192.0.2.1")
    settings.SECRET_KEY = "another secret key for the test"
    assert hash_ip("2001:db8::1") != first


def test_zero_retention_never_stores_the_raw_address(owner, settings):
    settings.STOCKADE_AUDIT_IP_RETENTION_DAYS = 0
    event = record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    assert event.ip is None and event.ip_hash == hash_ip("203.0.113.7")


def test_release_subject_brings_its_project(owner, release):
    event = record_event(
        tag=Tag.RELEASE_YANK,
        actor=session_actor(owner),
        subject=release,
        details={"reason": "broken"},
    )
    assert (event.subject_type, event.subject_label) == ("release", "Demo_Pkg 1.0")
    assert (event.project_id, event.project_name) == (release.project.pk, "Demo_Pkg")


def test_labels_survive_deletion_of_what_they_name(owner, project):
    event = record_event(tag=Tag.PROJECT_REMOVE, actor=session_actor(owner), subject=project)
    project.delete()
    owner.delete()
    event.refresh_from_db()
    assert describe_event(event).sentence == "olivia removed the project Demo_Pkg"


def test_token_actor_names_the_token(owner):
    token, _secret = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    request = RequestFactory().post("/legacy/", REMOTE_ADDR="198.51.100.2", HTTP_USER_AGENT="twine")
    actor = actor_for_token(token, request)
    event = record_event(tag=Tag.FILE_REMOVE, actor=actor)
    assert (event.token_id, event.token_name, event.actor_means) == (str(token.pk), "ci", "token")
    row = describe_event(event)
    assert row.means == "API token “ci”" and row.actor == "olivia"
    assert event.ip == "198.51.100.2" and event.user_agent == "twine"


def test_new_ip_is_noted_once_per_token_and_address(owner):
    token, _secret = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    first = note_token_use(actor_for_token(token, ip="198.51.100.2"))
    assert first is not None and first.tag == Tag.TOKEN_NEW_IP
    assert first.subject_user_id == owner.pk
    assert note_token_use(actor_for_token(token, ip="198.51.100.2")) is None
    assert note_token_use(actor_for_token(token, ip="198.51.100.3")) is not None
    assert note_token_use(actor_for_cli(owner)) is None


def test_actor_from_request_for_anonymous_and_logged_in(owner):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.9")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert actor_from_request(request).means == Means.ANONYMOUS
    request.user = owner
    actor = actor_from_request(request)
    assert (actor.means, actor.user, actor.ip) == (Means.SESSION, owner, "192.0.2.9")


def test_proxy_address_is_taken_only_behind_a_trusted_proxy(owner, settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 192.0.2.50"
    )
    request.user = owner
    assert actor_from_request(request).ip == "10.0.0.1"
    settings.STOCKADE_BEHIND_PROXY = True
    assert actor_from_request(request).ip == "192.0.2.50"


def test_actor_rejects_inconsistent_means():
    with pytest.raises(ValueError, match="session actor"):
        Actor(Means.SESSION)
    with pytest.raises(ValueError, match="token actor"):
        Actor(Means.TOKEN)


def test_unknown_tag_is_refused():
    with pytest.raises(UnknownTagError):
        record_event(tag="account:teleport", actor=system_actor())


def test_unsupported_subject_is_refused():
    with pytest.raises(UnsupportedSubjectError):
        record_event(tag=Tag.ACCOUNT_LOGIN, actor=system_actor(), subject=object())


def test_details_must_be_plain_json():
    with pytest.raises(TypeError):
        record_event(tag=Tag.ACCOUNT_LOGIN, actor=system_actor(), details={"when": timezone})


def test_purge_clears_old_addresses_keeps_hashes_and_logs_itself(owner):
    old = record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    AuditEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    recent = record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    assert purge_raw_ips(actor=system_actor()) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip is None and old.ip_hash == hash_ip("203.0.113.7")
    assert recent.ip == "203.0.113.7"
    purge = AuditEvent.objects.get(tag=Tag.AUDIT_PURGE_IPS)
    assert purge.details["count"] == 1 and purge.details["days"] == 30
    assert purge.actor_means == "system"
    assert "cleared the IP addresses of 1 events older than 30 days" in (
        describe_event(purge).sentence
    )


def test_every_tag_has_a_sentence_and_documentation():
    docs = DOCS.read_text()
    for tag in Tag:
        assert tag in SENTENCES, tag
        assert f"`{tag.value}`" in docs, f"{tag.value} is not documented in docs/audit.md"


@pytest.mark.parametrize("tag", list(Tag))
def test_every_tag_renders_in_plain_words(tag, owner):
    event = record_event(tag=tag, actor=actor_for_cli(owner), subject=owner)
    sentence = describe_event(event).sentence
    assert sentence and "{" not in sentence


def test_missing_detail_reads_as_a_dash(owner):
    event = record_event(tag=Tag.UPLOAD_REFUSED, actor=session_actor(owner))
    assert describe_event(event).sentence == "An upload by olivia to — was refused: —"
