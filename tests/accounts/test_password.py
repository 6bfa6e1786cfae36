"""Password change (/account/password/) and reset by email (/account/password/reset/…)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from stockade.accounts.models import Email, User
from tests.accounts.conftest import PASSWORD, link_in_last_mail, path_of

pytestmark = pytest.mark.django_db
CHANGE = reverse("accounts:password-change")
RESET = reverse("accounts:password-reset")
NEW_PASSWORD = "quiet-violet-harbour-17"


def _change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_password_change_needs_login(client: Client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_password_change_sets_new_password_and_keeps_session(client: Client, member: User):
    client.force_login(member)
    response = _change(client)
    assert response.status_code == 302
    assert response.url == reverse("accounts:settings")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Your password was changed." in page.content.decode()


def test_password_change_ends_other_sessions(member: User):
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(member)
    _change(first)
    assert second.get(reverse("accounts:settings")).status_code == 302


def test_password_change_refuses_wrong_old_password(client: Client, member: User):
    client.force_login(member)
    response = _change(client, old="not-my-password")
    assert "old_password" in response.context["form"].errors
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["password123", "short", "mina-example-com"])
def test_password_change_refuses_weak_password_with_field_errors(client, member, weak):
    client.force_login(member)
    response = _change(client, new=weak)
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert 'aria-invalid="true"' in response.content.decode()


def test_password_change_requires_csrf_token(member: User):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert _change(csrf_client).status_code == 403
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def _request_reset(client: Client, email: str = "mina@example.com"):
    return client.post(RESET, {"email": email})


def test_password_reset_mails_a_link_that_sets_a_new_password(client: Client, member: User):
    response = _request_reset(client)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-sent")
    assert mail.outbox[-1].to == ["mina@example.com"]
    link = path_of(link_in_last_mail())

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == reverse("accounts:password-reset-complete")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    # The link is single use: the token is bound to the old password hash.
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_refuses_weak_password(client: Client, member: User):
    _request_reset(client)
    form_page = client.get(path_of(link_in_last_mail()), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_password_reset_link_with_bad_token_is_refused(client: Client, member: User):
    _request_reset(client)
    link = path_of(link_in_last_mail())
    tampered = link.rstrip("/")[:-3] + "xyz/"
    assert client.get(tampered, follow=True).context["validlink"] is False


def test_password_reset_answers_the_same_for_unknown_address(client: Client, member: User):
    response = _request_reset(client, "nobody@example.com")
    assert response.url == reverse("accounts:password-reset-sent")
    assert mail.outbox == []


def test_password_reset_ignores_unverified_secondary_address(client: Client, member: User):
    Email.objects.create(user=member, email="spare@example.com")
    _request_reset(client, "spare@example.com")
    assert mail.outbox == []


def test_password_reset_uses_verified_secondary_address(client: Client, member: User):
    Email.objects.create(user=member, email="spare@example.com", verified=True)
    _request_reset(client, "SPARE@example.com")
    assert mail.outbox[-1].to == ["spare@example.com"]


def test_password_reset_skips_accounts_without_password(client: Client, owner: User):
    _request_reset(client, "olivia@example.com")
    assert mail.outbox == []


def test_password_reset_is_rate_limited(client: Client, member: User, settings):
    settings.STOCKADE_PASSWORD_RESET_RATE = "2/h"
    _request_reset(client)
    _request_reset(client)
    response = _request_reset(client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 2


def test_password_reset_limits_per_address_across_clients(member: User, settings):
    settings.STOCKADE_PASSWORD_RESET_RATE = "2/h"
    for n in range(2):
        _request_reset(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"))
    assert _request_reset(Client(REMOTE_ADDR="192.0.2.99")).status_code == 429


def test_password_reset_requires_csrf_token(member: User):
    csrf_client = Client(enforce_csrf_checks=True)
    assert _request_reset(csrf_client).status_code == 403
    assert mail.outbox == []


def test_password_reset_confirm_requires_csrf_token(member: User):
    csrf_client = Client(enforce_csrf_checks=True)
    _request_reset(Client())
    form_page = csrf_client.get(path_of(link_in_last_mail()), follow=True)
    response = csrf_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 403
