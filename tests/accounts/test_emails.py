"""Several email addresses per account: add, verify, remove, make primary (/account/email/…)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from stockade.accounts import services, verification
from stockade.accounts.exceptions import (
    EmailInUseError,
    PrimaryEmailRemovalError,
    UnverifiedEmailError,
    VerificationLinkExpiredError,
    VerificationLinkInvalidError,
)
from stockade.accounts.models import Email, User
from stockade.audit.actors import Actor, Means
from tests.accounts.conftest import link_in_last_mail, path_of


def session_actor(user: User) -> Actor:
    return Actor(Means.SESSION, user=user, ip="192.0.2.10")


pytestmark = pytest.mark.django_db
SETTINGS = reverse("accounts:settings")
ADD = reverse("accounts:add-email")


def _url(name: str, address: Email) -> str:
    return reverse(f"accounts:{name}", args=[address.pk])


@pytest.fixture
def logged_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture
def spare(member: User) -> Email:
    return Email.objects.create(user=member, email="spare@example.com")


def test_settings_needs_login(client: Client):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_settings_lists_addresses_and_links(logged_in: Client, spare: Email):
    body = logged_in.get(SETTINGS).content.decode()
    assert "mina@example.com" in body
    assert "spare@example.com" in body
    assert reverse("accounts:password-change") in body
    assert "/manage/tokens/" in body
    assert _url("remove-email", spare) in body
    assert _url("resend-verification", spare) in body


def test_add_email_stores_unverified_address_and_mails_link(logged_in: Client, member: User):
    response = logged_in.post(ADD, {"email": "Second@Example.COM"})
    assert response.status_code == 302
    address = Email.objects.get(email="Second@example.com")
    assert (address.user, address.verified, address.primary) == (member, False, False)
    assert mail.outbox[-1].to == ["Second@example.com"]
    assert "/account/verify/" in mail.outbox[-1].body


def test_verification_link_verifies_the_address(logged_in: Client):
    logged_in.post(ADD, {"email": "second@example.com"})
    response = logged_in.get(path_of(link_in_last_mail()))
    assert response.status_code == 302
    assert response.url == SETTINGS
    assert Email.objects.get(email="second@example.com").verified is True


def test_verification_link_works_without_login_and_twice(client: Client, spare: Email):
    link = reverse("accounts:verify-email", args=[verification.make_token(spare)])
    response = client.get(link)
    assert response.url == reverse("accounts:login")
    assert client.get(link).status_code == 302
    spare.refresh_from_db()
    assert spare.verified is True


def test_verification_link_expires(client: Client, spare: Email, settings):
    token = verification.make_token(spare)
    settings.STOCKADE_EMAIL_VERIFY_MAX_AGE = 60
    with mock.patch("django.core.signing.time.time", return_value=signing.time.time() + 61):
        response = client.get(reverse("accounts:verify-email", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    spare.refresh_from_db()
    assert spare.verified is False


@pytest.mark.parametrize("change", ["flip-char", "truncate", "garbage"])
def test_tampered_verification_link_is_refused(client: Client, spare: Email, change):
    token = verification.make_token(spare)
    bad = {
        "flip-char": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[:-5],
        "garbage": "not-a-token",
    }[change]
    response = client.get(reverse("accounts:verify-email", args=[bad]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    spare.refresh_from_db()
    assert spare.verified is False


def test_verification_token_is_bound_to_the_address(member: User, spare: Email):
    token = verification.make_token(spare)
    spare.delete()
    Email.objects.create(user=member, email="spare@example.com")
    with pytest.raises(VerificationLinkInvalidError):
        verification.check_token(token)


def test_verification_token_from_another_purpose_is_refused(spare: Email):
    other = signing.TimestampSigner(salt="something-else").sign_object({"e": spare.pk, "h": "x"})
    with pytest.raises(VerificationLinkInvalidError):
        verification.check_token(other)
    forged = signing.TimestampSigner(salt="stockade.accounts.verification").sign_object(
        {"e": spare.pk, "h": "0" * 32}
    )
    with pytest.raises(VerificationLinkInvalidError):
        verification.check_token(forged)


def test_check_token_reports_expiry(spare: Email, settings):
    token = verification.make_token(spare)
    settings.STOCKADE_EMAIL_VERIFY_MAX_AGE = -1
    with pytest.raises(VerificationLinkExpiredError):
        verification.check_token(token)


def test_add_email_refuses_address_of_another_account(logged_in: Client, outsider: User):
    response = logged_in.post(ADD, {"email": "OSCAR@example.com"})
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Email.objects.filter(email="OSCAR@example.com").exists()


def test_add_email_service_refuses_taken_address(member: User, outsider: User):
    with pytest.raises(EmailInUseError):
        services.add_email(
            actor=session_actor(member), email="oscar@EXAMPLE.com", base_url="http://x"
        )


def test_add_email_refuses_invalid_address(logged_in: Client):
    response = logged_in.post(ADD, {"email": "not an address"})
    assert response.status_code == 400
    assert response.context["add_form"].errors["email"]


def test_resend_verification_sends_a_new_link(logged_in: Client, spare: Email):
    response = logged_in.post(_url("resend-verification", spare))
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["spare@example.com"]


def test_verification_mail_is_rate_limited(logged_in: Client, spare: Email, settings):
    settings.STOCKADE_EMAIL_RATE = "2/h"
    logged_in.post(_url("resend-verification", spare))
    logged_in.post(ADD, {"email": "third@example.com"})
    response = logged_in.post(_url("resend-verification", spare))
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_make_primary_moves_primary_and_user_email(logged_in: Client, member, spare):
    spare.verified = True
    spare.save()
    response = logged_in.post(_url("set-primary-email", spare))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "spare@example.com"
    assert list(member.emails.filter(primary=True)) == [spare]
    assert member.has_verified_primary_email() is True


def test_make_primary_refuses_unverified_address(logged_in: Client, member, spare):
    response = logged_in.post(_url("set-primary-email", spare))
    assert response.status_code == 400
    assert "not verified" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "mina@example.com"


def test_make_primary_service_refuses_unverified(member: User, spare: Email):
    with pytest.raises(UnverifiedEmailError):
        services.set_primary_email(actor=session_actor(member), email_id=spare.pk)


def test_remove_email_deletes_a_secondary_address(logged_in: Client, spare: Email):
    response = logged_in.post(_url("remove-email", spare))
    assert response.status_code == 302
    assert not Email.objects.filter(pk=spare.pk).exists()


def test_remove_email_refuses_the_primary(logged_in: Client, member: User):
    primary = member.emails.get(primary=True)
    response = logged_in.post(_url("remove-email", primary))
    assert response.status_code == 400
    assert "primary address" in response.content.decode()
    assert Email.objects.filter(pk=primary.pk).exists()
    with pytest.raises(PrimaryEmailRemovalError):
        services.remove_email(actor=session_actor(member), email_id=primary.pk)


@pytest.mark.parametrize("action", ["remove-email", "set-primary-email", "resend-verification"])
def test_outsider_cannot_touch_another_users_address(client, outsider, spare, action):
    client.force_login(outsider)
    assert client.post(_url(action, spare)).status_code == 404
    assert Email.objects.filter(pk=spare.pk, primary=False).exists()


@pytest.mark.parametrize("action", ["remove-email", "set-primary-email", "resend-verification"])
def test_email_actions_refuse_get(logged_in: Client, spare: Email, action):
    assert logged_in.get(_url(action, spare)).status_code == 405


@pytest.mark.parametrize("action", ["remove-email", "set-primary-email", "resend-verification"])
def test_email_actions_need_login(client: Client, spare: Email, action):
    response = client.post(_url(action, spare))
    assert response.status_code == 302
    assert Email.objects.filter(pk=spare.pk).exists()


def test_email_forms_require_csrf_token(member: User, spare: Email):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post(ADD, {"email": "x@example.com"}).status_code == 403
    for action in ("remove-email", "set-primary-email", "resend-verification"):
        assert csrf_client.post(_url(action, spare)).status_code == 403
    assert Email.objects.filter(pk=spare.pk).exists()
    assert mail.outbox == []
