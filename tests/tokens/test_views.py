"""The /manage/tokens/ pages: create (shown once), list and revoke API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stockade.audit.actors import actor_for_cli
from stockade.packaging.models import Project, Role
from stockade.tokens.models import ApiToken
from stockade.tokens.services import authenticate_token, issue_token

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(rb'<code id="new-token">(stockade-[A-Za-z0-9_-]+)</code>')


@pytest.fixture
def owned_projects(owner, maintainer):
    for name in ("alpha", "beta"):
        project = Project.objects.create(name=name)
        Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    return ["alpha", "beta"]


def test_pages_need_login(client):
    for name in ("tokens:list-tokens", "tokens:create-token"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_create_form_offers_only_own_projects(client, owner, owned_projects, outsider):
    Project.objects.create(name="not-mine")
    client.force_login(owner)
    page = client.get(reverse("tokens:create-token"))
    assert page.status_code == 200
    assert b'value="alpha"' in page.content
    assert b"not-mine" not in page.content


def test_create_shows_token_once_and_it_works(client, owner, owned_projects):
    client.force_login(owner)
    response = client.post(
        reverse("tokens:create-token"),
        {"name": "CI", "scope": "projects", "projects": ["alpha"], "expires": ""},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = TOKEN_RE.search(response.content)
    assert match, response.content
    secret = match.group(1).decode()
    token = authenticate_token(secret)
    assert (token.name, token.projects, token.expires) == ("CI", ["alpha"], None)
    # The copy button: a real, keyboard-reachable button enhanced by a static script.
    assert b'<button type="button" class="copy-button"' in response.content
    assert b'role="status"' in response.content
    assert b"tokens/copy-token.js" in response.content
    listing = client.get(reverse("tokens:list-tokens"))
    assert b"CI" in listing.content
    assert secret.encode() not in listing.content


def test_copy_script_is_served_as_a_static_file(client):
    from django.contrib.staticfiles import finders

    assert finders.find("tokens/copy-token.js")


def test_create_user_wide_token_with_expiry(client, owner, owned_projects):
    client.force_login(owner)
    day = (timezone.now() + timedelta(days=10)).date()
    response = client.post(
        reverse("tokens:create-token"),
        {"name": "all", "scope": "user", "projects": ["alpha"], "expires": day.isoformat()},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="all")
    assert token.projects == []
    assert token.expires.date() == day


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "user"},
        {"name": "x", "scope": "projects"},
        {"name": "x", "scope": "user", "expires": "2000-01-01"},
        {"name": "x", "scope": "projects", "projects": ["not-mine"]},
    ],
)
def test_invalid_create_is_a_400_and_issues_nothing(client, owner, owned_projects, data):
    client.force_login(owner)
    response = client.post(reverse("tokens:create-token"), data)
    assert response.status_code == 400
    assert b'aria-invalid="true"' in response.content
    assert not ApiToken.objects.exists()


def test_list_shows_scope_created_expiry_and_last_used(client, owner):
    expires = timezone.now() + timedelta(days=3)
    token, _ = issue_token(
        actor=actor_for_cli(owner), user=owner, name="deploy", projects=["alpha"], expires=expires
    )
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    client.force_login(owner)
    page = client.get(reverse("tokens:list-tokens"))
    assert page.status_code == 200
    for text in (b"deploy", b"alpha", expires.strftime("%Y-%m-%d").encode(), b"Revoke deploy"):
        assert text in page.content


def test_list_hides_other_users_tokens(client, owner, outsider):
    issue_token(actor=actor_for_cli(owner), user=owner, name="secret-one")
    client.force_login(outsider)
    assert b"secret-one" not in client.get(reverse("tokens:list-tokens")).content


def test_revoke_with_confirmation(client, owner):
    token, _secret = issue_token(actor=actor_for_cli(owner), user=owner, name="old")
    client.force_login(owner)
    url = reverse("tokens:revoke-token", args=[token.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None


def test_outsider_cannot_revoke_someone_elses_token(client, owner, outsider):
    token, _ = issue_token(actor=actor_for_cli(owner), user=owner, name="mine")
    client.force_login(outsider)
    url = reverse("tokens:revoke-token", args=[token.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked is None


def test_revoke_needs_csrf(owner):
    token, _ = issue_token(actor=actor_for_cli(owner), user=owner, name="mine")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("tokens:revoke-token", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked is None
