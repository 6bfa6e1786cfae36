"""Logging in with a second factor: password first, then an app code, a key or a recovery code.

A user with a factor never gets a session from the password alone; failures of the second step
are rate-limited per user and per client address, recorded and mailed.
"""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import ceremony, pending, services
from stockade.mfa.models import TotpDevice, WebAuthnCredential
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.conftest import IP, PASSWORD, next_code
from tests.mfa.test_services import enable, session_of

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
VERIFY = "/account/two-factor/verify/"


def log_in_with_password(web: Client, username: str = "pia", next_url: str = ""):
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return web.post(url, {"username": username, "password": PASSWORD})


def is_logged_in(web: Client) -> bool:
    return "_auth_user_id" in web.session


def test_a_user_without_a_factor_logs_in_with_the_password(web, person):
    response = log_in_with_password(web)
    assert response.status_code == 302
    assert is_logged_in(web)


def test_the_password_alone_gives_no_session_to_a_user_with_a_factor(web, person):
    enable(person)
    response = log_in_with_password(web)
    assert response.status_code == 302 and response.url == VERIFY
    assert not is_logged_in(web)
    # Pages that need a login still send the visitor to log in.
    assert web.get("/account/settings/").status_code == 302
    assert not is_logged_in(web)
    assert not AuditEvent.objects.filter(tag=Tag.ACCOUNT_LOGIN).exists()


def test_a_code_from_the_app_completes_the_login_and_goes_to_next(web, person):
    enable(person)
    log_in_with_password(web, next_url="/manage/")
    page = web.get(VERIFY)
    assert page.status_code == 200
    assert b"Code from your authenticator app" in page.content
    response = web.post(VERIFY, {"code": next_code(person)})
    assert response.status_code == 302 and response.url == "/manage/"
    assert is_logged_in(web)
    assert int(web.session["_auth_user_id"]) == person.pk
    assert AuditEvent.objects.filter(tag=Tag.ACCOUNT_LOGIN, actor_user_id=person.pk).count() == 1


def test_a_replayed_code_is_refused(web, person):
    enable(person)
    code = next_code(person)
    log_in_with_password(web)
    web.post(VERIFY, {"code": code})
    other = Client(REMOTE_ADDR=IP)
    log_in_with_password(other)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert b"already used" in response.content
    assert not is_logged_in(other)


def test_a_wrong_code_is_recorded_and_mailed(web, person, django_capture_on_commit_callbacks):
    enable(person)
    log_in_with_password(web)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(VERIFY, {"code": "000000" if next_code(person) != "000000" else "1"})
    assert response.status_code == 400
    assert not is_logged_in(web)
    event = AuditEvent.objects.get(tag=Tag.MFA_SECOND_STEP_FAILED)
    assert event.ip == IP and event.actor_means == "anonymous"
    assert [m.subject for m in mail.outbox] == ["A login to your account failed at the second step"]


def test_second_step_failures_are_limited_per_user(web, person):
    enable(person)
    log_in_with_password(web)
    for _ in range(5):
        assert web.post(VERIFY, {"code": "99999x"}).status_code == 400
    response = web.post(VERIFY, {"code": next_code(person)})
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 300
    assert not is_logged_in(web)
    assert AuditEvent.objects.filter(
        tag=Tag.MFA_SECOND_STEP_FAILED, details__reason="rate-limited"
    ).exists()
    # Another address does not escape the per-user limit.
    other = Client(REMOTE_ADDR="198.51.100.77")
    log_in_with_password(other)
    assert other.post(VERIFY, {"code": next_code(person)}).status_code == 429


def test_second_step_failures_are_limited_per_address(web, person, settings):
    settings.STOCKADE_2FA_RATE = "3/5m"
    enable(person)
    quinn = create_user(
        actor=actor_for_cli(),
        username="quinn",
        email="quinn@example.com",
        password=PASSWORD,
        email_verified=True,
    )
    enable(quinn)
    log_in_with_password(web)
    for _ in range(3):
        web.post(VERIFY, {"code": "99999x"})
    # The same address trying another account is limited too.
    log_in_with_password(web, username="quinn")
    assert web.post(VERIFY, {"code": next_code(quinn)}).status_code == 429
    # Quinn from elsewhere is not.
    other = Client(REMOTE_ADDR="198.51.100.77")
    log_in_with_password(other, username="quinn")
    assert other.post(VERIFY, {"code": next_code(quinn)}).status_code == 302


def test_a_successful_step_does_not_use_up_the_budget(person):
    enable(person)
    for _ in range(6):
        client = Client(REMOTE_ADDR=IP)
        log_in_with_password(client)
        assert client.post(VERIFY, {"code": next_code(person)}).status_code == 302
        # Let the same step's code be used again: only the budget is under test here.
        TotpDevice.objects.filter(user=person).update(last_used_step=0)


def test_the_second_step_expires(web, person):
    enable(person)
    log_in_with_password(web)
    later = time.time() + pending.PENDING_SECONDS + 1
    with mock.patch("stockade.mfa.pending.time.time", return_value=later):
        response = web.post(VERIFY, {"code": next_code(person)})
    assert response.status_code == 302 and response.url == "/account/login/"
    assert not is_logged_in(web)


def test_the_second_step_page_without_a_password_sends_to_the_login(web):
    response = web.get(VERIFY)
    assert response.status_code == 302 and response.url == "/account/login/"


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left(web, person):
    _secret, codes = enable(person)
    log_in_with_password(web)
    response = web.post("/account/two-factor/verify/recovery-code/", {"code": codes[3]})
    assert response.status_code == 302
    assert is_logged_in(web)
    page = web.get(response.url, follow=True)
    assert b"7 are left" in page.content
    other = Client(REMOTE_ADDR=IP)
    log_in_with_password(other)
    refused = other.post("/account/two-factor/verify/recovery-code/", {"code": codes[3]})
    assert refused.status_code == 400
    assert b"already used" in refused.content
    assert not is_logged_in(other)


def test_a_security_key_logs_in(person):
    web = Client(REMOTE_ADDR=IP)
    key = SoftAuthenticator(origin="http://testserver")
    rp = ceremony.RelyingParty(id="testserver", name="Stockade", origin="http://testserver")
    options, challenge = services.begin_webauthn_registration(user=person, rp=rp)
    services.add_webauthn_credential(
        actor=session_of(person),
        rp=rp,
        challenge=challenge,
        credential=key.create(options),
        name="k",
    )
    log_in_with_password(web, next_url="/manage/")
    page = web.get(VERIFY)
    assert b"Use a security key" in page.content
    assert b"/static/mfa/webauthn.js" in page.content
    options = web.post(reverse("mfa:security-key-challenge"), HTTP_ACCEPT="application/json")
    assert options.status_code == 200
    assert json.loads(options.content)["rpId"] == "testserver"
    answer = web.post(
        reverse("mfa:security-key-answer"),
        data=json.dumps({"credential": key.get(options.content.decode())}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content) == {"redirect": "/manage/"}
    assert is_logged_in(web)
    assert WebAuthnCredential.objects.get(user=person).sign_count == 1


def test_a_security_key_answer_without_a_challenge_is_refused(web, person):
    enable(person)
    log_in_with_password(web)
    answer = web.post(
        reverse("mfa:security-key-answer"),
        data=json.dumps({"credential": {"rawId": "AAAA"}}),
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not is_logged_in(web)
