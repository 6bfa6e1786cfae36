"""Where the other apps meet two-factor authentication: re-authentication on their sensitive
pages, links to the two-factor pages, and ``stockade user create --totp``."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from stockade.accounts.models import User
from stockade.mfa import totp
from stockade.mfa.models import RecoveryCode, TotpDevice
from stockade.mfa.reauth import AUTHENTICATED_AT
from stockade.packaging.models import Project, Role
from tests.mfa.conftest import IP

pytestmark = pytest.mark.django_db


def stale_client(user) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    session = client.session
    session[AUTHENTICATED_AT] = time.time() - 3600
    session.save()
    return client


@pytest.fixture
def project(owner) -> Project:
    project = Project.objects.create(name="Shelf")
    Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    return project


CONFIRM = "/account/two-factor/confirm/?next="


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/manage/tokens/new/"),
        ("post", "/manage/tokens/new/"),
        ("get", "/account/password/"),
        ("post", "/account/password/"),
        ("post", "/account/email/add/"),
        ("get", "/manage/project/shelf/delete/"),
        ("post", "/manage/project/shelf/delete/"),
        ("post", "/manage/project/shelf/collaborators/invite/"),
    ],
)
def test_sensitive_pages_ask_a_stale_session_to_reauthenticate(owner, project, method, url):
    response = getattr(stale_client(owner), method)(url, {})
    assert response.status_code == 302, response.status_code
    assert response.url.startswith(CONFIRM), response.url


def test_making_an_address_primary_asks_to_reauthenticate(owner):
    email = owner.emails.create(email="second@example.com", verified=True)
    response = stale_client(owner).post(f"/account/email/{email.pk}/primary/")
    assert response.url.startswith(CONFIRM)
    email.refresh_from_db()
    assert email.primary is False


def test_a_fresh_session_creates_a_token_without_asking(owner):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(owner)
    assert client.get("/manage/tokens/new/").status_code == 200


def test_the_account_settings_link_to_two_factor(owner):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(owner)
    assert reverse("mfa:settings").encode() in client.get("/account/settings/").content


def test_the_project_page_links_owners_to_the_requirement(owner, project):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(owner)
    page = client.get("/manage/project/shelf/")
    assert b"/manage/project/shelf/two-factor/" in page.content


def test_user_create_totp_prints_the_secret_and_recovery_codes(db):
    out = io.StringIO()
    call_command("user", "create", "ada", "--email", "ada@example.com", "--totp", stdout=out)
    text = out.getvalue()
    user = User.objects.get(username="ada")
    secret = TotpDevice.objects.get(user=user).secret
    assert f"otpauth://totp/Stockade:ada?secret={secret}" in text
    assert re.search(rf"^\s*Secret: {secret}$", text, re.M)
    codes = re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", text)
    assert len(codes) == 8 and RecoveryCode.objects.filter(user=user).count() == 8
    assert totp.check_code(secret, totp.code_at(secret, time.time())).verdict is (
        totp.Verdict.ACCEPTED
    )


def test_user_create_without_totp_enrols_nothing(db):
    call_command("user", "create", "bob", "--email", "bob@example.com", stdout=io.StringIO())
    assert not TotpDevice.objects.filter(user__username="bob").exists()
