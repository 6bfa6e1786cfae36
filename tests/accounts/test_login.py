"""Logging in and out: /account/login/, /account/logout/, and the login rate limits."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stockade.accounts.models import User
from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")


def _login(client: Client, username: str = "mina", password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_page_shows_an_accessible_form(client: Client):
    body = client.get(LOGIN).content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<label for="id_username">' in body
    assert '<label for="id_password">' in body


def test_login_with_right_password_starts_a_session(client: Client, member: User):
    response = _login(client)
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert client.session["_auth_user_id"] == str(member.pk)


def test_login_accepts_username_in_any_case(client: Client, member: User):
    assert _login(client, username="MINA").status_code == 302


def test_login_follows_next_on_this_site_only(client: Client, member: User):
    settings_url = reverse("accounts:settings")
    response = client.post(
        f"{LOGIN}?next={settings_url}", {"username": "mina", "password": PASSWORD}
    )
    assert response.url == settings_url
    client.post(LOGOUT)
    response = client.post(
        f"{LOGIN}?next=https://evil.example/", {"username": "mina", "password": PASSWORD}
    )
    assert response.url == reverse("web:home")


def test_login_with_wrong_password_shows_an_error(client: Client, member: User):
    response = _login(client, password="wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


def test_login_refuses_unknown_user_with_the_same_error(client: Client, member: User):
    wrong_password = _login(client, password="wrong-password").context["form"]
    unknown = _login(client, username="nobody").context["form"]
    assert wrong_password.non_field_errors() == unknown.non_field_errors()


def test_login_refuses_inactive_user(client: Client, member: User):
    member.is_active = False
    member.save()
    assert _login(client).status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_refuses_user_without_password(client: Client, owner: User):
    response = _login(client, username=owner.username, password="")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client: Client, member: User):
    client.force_login(member)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_refuses_get(client: Client, member: User):
    client.force_login(member)
    assert client.get(LOGOUT).status_code == 405
    assert "_auth_user_id" in client.session


def test_login_requires_csrf_token(member: User):
    csrf_client = Client(enforce_csrf_checks=True)
    assert _login(csrf_client).status_code == 403
    csrf_client.get(LOGIN)
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        LOGIN, {"username": "mina", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_logout_requires_csrf_token(member: User):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post(LOGOUT).status_code == 403
    assert "_auth_user_id" in csrf_client.session


def test_login_rate_limit_answers_429_with_retry_time(client: Client, member: User):
    for _ in range(10):
        assert _login(client, password="wrong-password").status_code == 200
    response = _login(client, password="wrong-password")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 300
    body = response.content.decode()
    assert "Too many attempts" in body
    assert "Try again in about" in body
    assert "UTC" in body


def test_login_rate_limit_refuses_even_the_right_password(client: Client, member: User):
    for _ in range(10):
        _login(client, password="wrong-password")
    assert _login(client).status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_rate_limit_counts_per_username_across_addresses(member: User):
    for n in range(10):
        _login(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), password="wrong-password")
    assert _login(Client(REMOTE_ADDR="198.51.100.1")).status_code == 429


def test_login_rate_limit_counts_per_client_address_across_usernames(client: Client, member):
    for n in range(10):
        _login(client, username=f"guess{n}", password="wrong-password")
    assert _login(client).status_code == 429
    assert _login(Client(REMOTE_ADDR="198.51.100.1")).status_code == 302


def test_login_rate_limit_counts_only_failures(client: Client, member: User):
    for _ in range(15):
        assert _login(client).status_code == 302
        client.post(LOGOUT)
    assert _login(client, password="wrong-password").status_code == 200


def test_login_rate_follows_setting(client: Client, member: User, settings):
    settings.STOCKADE_LOGIN_RATE = "2/m"
    _login(client, password="wrong-password")
    _login(client, password="wrong-password")
    response = _login(client, password="wrong-password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60


def test_login_page_get_is_not_rate_limited(client: Client, member: User):
    for _ in range(10):
        _login(client, password="wrong-password")
    assert client.get(LOGIN).status_code == 200


def test_login_rate_limit_trusts_forwarded_for_only_behind_proxy(member: User, settings):
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for n in range(10):
        _login(Client(), username=f"guess{n}", password="wrong-password", **forged)
    # Without the proxy setting, every request came from the same REMOTE_ADDR.
    assert _login(Client(), username="other", **forged).status_code == 429


def test_created_user_can_log_in(client: Client, db):
    create_user(
        actor=actor_for_cli(),
        username="cli",
        email="cli@example.com",
        password=PASSWORD,
        email_verified=True,
    )
    assert _login(client, username="cli").status_code == 302
