"""Sign-up: /account/register/."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from stockade.accounts.models import Email, User
from tests.accounts.conftest import PASSWORD, link_in_last_mail, path_of

pytestmark = pytest.mark.django_db
URL = reverse("accounts:register")


def _form(**overrides: str) -> dict[str, str]:
    return {
        "username": "newbie",
        "email": "newbie@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def test_register_page_shows_an_accessible_form(client: Client):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<label for="id_username">' in body
    assert 'aria-describedby="id_password1_help"' in body
    assert "<h1>" in body


def test_register_creates_user_with_unverified_primary_and_mails_a_link(client: Client):
    response = client.post(URL, _form())
    assert response.status_code == 302
    assert response.url == reverse("accounts:register-done")
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.com"
    assert user.check_password(PASSWORD)
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    address = Email.objects.get(user=user)
    assert (address.primary, address.verified) == (True, False)
    assert user.has_verified_primary_email() is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.com"]
    assert "Verify" in mail.outbox[0].subject


def test_register_link_verifies_the_address(client: Client):
    client.post(URL, _form())
    response = client.get(path_of(link_in_last_mail()))
    assert response.status_code == 302
    assert User.objects.get(username="newbie").has_verified_primary_email() is True


def test_register_does_not_log_in(client: Client):
    client.post(URL, _form())
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123", "too common"),
        ("short1x", "too short"),
        ("newbie-example", "too similar"),
        ("83920174659102", "entirely numeric"),
    ],
)
def test_register_refuses_weak_password_with_field_errors(client: Client, password, message):
    response = client.post(URL, _form(password1=password, password2=password))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors["password1"]), errors
    body = response.content.decode()
    assert 'id="id_password1_errors"' in body
    assert 'aria-invalid="true"' in body
    assert not User.objects.filter(username="newbie").exists()


def test_register_refuses_different_passwords(client: Client):
    response = client.post(URL, _form(password2=PASSWORD + "x"))
    assert "password2" in response.context["form"].errors


def test_register_refuses_taken_username_in_any_case(client: Client, member):
    response = client.post(URL, _form(username="MINA"))
    assert response.context["form"].errors["username"] == ["This user name is taken."]


def test_register_refuses_taken_email_in_any_case(client: Client, member):
    response = client.post(URL, _form(email="Mina@EXAMPLE.com"))
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["-dash", "under_", "has space", "ümlaut", "a" * 51])
def test_register_refuses_bad_usernames(client: Client, username):
    response = client.post(URL, _form(username=username))
    assert "username" in response.context["form"].errors


def test_register_requires_csrf_token(db):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(URL, _form()).status_code == 403
    assert not User.objects.exists()


def test_register_works_with_csrf_token(db):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.get(URL)
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(URL, {**_form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_register_is_rate_limited_per_client_address(client: Client, settings):
    settings.STOCKADE_SIGNUP_RATE = "2/h"
    client.post(URL, _form(username="one", email="one@example.com"))
    client.post(URL, _form(username="two", email="two@example.com"))
    response = client.post(URL, _form(username="three", email="three@example.com"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(username="three").exists()
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(URL, _form(username="four", email="four@example.com")).status_code == 302


def test_register_redirects_a_logged_in_user(client: Client, member):
    client.force_login(member)
    assert client.get(URL).status_code == 302
