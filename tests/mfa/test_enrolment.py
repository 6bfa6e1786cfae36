"""The two-factor settings pages: enrol and remove an app and keys, and recovery codes."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import totp
from stockade.mfa.models import RecoveryCode, TotpDevice, WebAuthnCredential
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.conftest import IP, code_now, next_code
from tests.mfa.test_services import enable

pytestmark = pytest.mark.django_db

SETTINGS = "/account/two-factor/"


@pytest.fixture
def web(person) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(person)
    return client


def test_the_settings_page_offers_each_factor(web):
    page = web.get(SETTINGS)
    assert page.status_code == 200
    for text in (b"Set up an authenticator app", b"Add a security key", b"upload packages"):
        assert text in page.content


def test_the_settings_page_needs_a_login():
    assert Client().get(SETTINGS).status_code == 302


def test_enrolling_an_app_shows_a_local_qr_code_and_the_secret(web, person):
    page = web.get(reverse("mfa:add-totp"))
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    assert 'src="data:image/svg+xml' in html  # drawn here, no third-party QR service
    assert f"otpauth://totp/Stockade:pia?secret={secret}" in html
    # The secret stays the same while the person fetches the page again.
    assert secret in web.get(reverse("mfa:add-totp")).content.decode()

    response = web.post(reverse("mfa:add-totp"), {"code": code_now(secret)})
    assert response.status_code == 302 and response.url == reverse("mfa:recovery-codes")
    assert TotpDevice.objects.get(user=person).secret == secret
    codes_page = web.get(response.url).content.decode()
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", codes_page)
    assert len(codes) == 8
    # Shown once.
    assert web.get(reverse("mfa:recovery-codes")).status_code == 302


def test_a_wrong_enrolment_code_says_so(web, person):
    web.get(reverse("mfa:add-totp"))
    response = web.post(reverse("mfa:add-totp"), {"code": "12345x"})
    assert response.status_code == 400
    assert b"not right" in response.content
    assert not TotpDevice.objects.filter(user=person).exists()


def test_a_skewed_enrolment_code_mentions_the_clock(web, person):
    import time

    page = web.get(reverse("mfa:add-totp")).content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    response = web.post(reverse("mfa:add-totp"), {"code": totp.code_at(secret, time.time() + 600)})
    assert response.status_code == 400
    assert b"clock of your device is wrong" in response.content


def test_removing_the_app_takes_a_code(web, person):
    enable(person)
    assert web.post(reverse("mfa:remove-totp"), {"code": "000000x"}).status_code == 400
    response = web.post(reverse("mfa:remove-totp"), {"code": next_code(person)})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(tag=Tag.MFA_TOTP_REMOVE).count() == 1


def test_registering_a_security_key_through_the_pages(web, person):
    page = web.get(reverse("mfa:add-security-key"))
    assert b'data-webauthn="register"' in page.content
    assert b"/static/mfa/webauthn.js" in page.content
    assert b"<script>" not in page.content  # no inline script
    options = web.post(reverse("mfa:security-key-options"), HTTP_ACCEPT="application/json")
    assert json.loads(options.content)["rp"] == {"id": "testserver", "name": "Stockade"}
    key = SoftAuthenticator(origin="http://testserver")
    answer = web.post(
        reverse("mfa:register-security-key"),
        data=json.dumps({"name": "yellow key", "credential": key.create(options.content.decode())}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content) == {"redirect": reverse("mfa:recovery-codes")}
    stored = WebAuthnCredential.objects.get(user=person)
    assert stored.name == "yellow key"
    assert b"yellow key" in web.get(SETTINGS).content

    # The challenge was used up: the same answer cannot register again.
    again = web.post(
        reverse("mfa:register-security-key"),
        data=json.dumps({"name": "again", "credential": key.create(options.content.decode())}),
        content_type="application/json",
    )
    assert again.status_code == 400

    assert web.post(reverse("mfa:remove-security-key", args=[stored.pk])).status_code == 302
    assert not WebAuthnCredential.objects.filter(user=person).exists()


def test_someone_elses_key_cannot_be_removed(web, owner):
    other = WebAuthnCredential.objects.create(
        user=owner, name="k", credential_id=b"x", credential_id_b64="eA", public_key=b"k"
    )
    assert web.post(reverse("mfa:remove-security-key", args=[other.pk])).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=other.pk).exists()


def test_regenerating_recovery_codes_shows_the_new_ones(web, person):
    _secret, old = enable(person)
    response = web.post(reverse("mfa:regenerate-recovery-codes"))
    assert response.url == reverse("mfa:recovery-codes")
    page = web.get(response.url).content.decode()
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    assert len(new) == 8 and not set(new) & set(old)
    assert RecoveryCode.objects.filter(user=person).count() == 8
