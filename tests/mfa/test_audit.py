"""Every ``mfa:*`` audit tag, recorded by doing its action through the pages or the services,
and shown as a complete sentence on the history pages."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from stockade.audit.describe import sentence_for
from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import totp
from stockade.packaging.models import Project, Role
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.conftest import IP, PASSWORD, next_code
from tests.mfa.test_services import enable

pytestmark = pytest.mark.django_db

MFA_TAGS = {tag for tag in Tag if tag.value.startswith("mfa:")}


@pytest.fixture
def web(person) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(person)
    return client


def run_every_action(web: Client, person) -> None:
    # mfa:totp-add, then mfa:recovery-regenerate
    page = web.get(reverse("mfa:add-totp")).content.decode()
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    web.post(reverse("mfa:add-totp"), {"code": totp.code_at(secret, time.time())})
    web.post(reverse("mfa:regenerate-recovery-codes"))
    codes = re.findall(
        r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>",
        web.get(reverse("mfa:recovery-codes")).content.decode(),
    )
    # mfa:webauthn-add and mfa:webauthn-remove
    options = web.post(reverse("mfa:security-key-options")).content.decode()
    key = SoftAuthenticator(origin="http://testserver")
    web.post(
        reverse("mfa:register-security-key"),
        data=json.dumps({"name": "k1", "credential": key.create(options)}),
        content_type="application/json",
    )
    stored = person.webauthn_credentials.get()
    web.post(reverse("mfa:remove-security-key", args=[stored.pk]))
    # mfa:second-step-failed and mfa:recovery-used, through the login pages
    visitor = Client(REMOTE_ADDR=IP)
    visitor.post("/account/login/", {"username": "pia", "password": PASSWORD})
    visitor.post("/account/two-factor/verify/", {"code": "00000x"})
    visitor.post("/account/two-factor/verify/recovery-code/", {"code": codes[0]})
    # mfa:project-policy-change
    project = Project.objects.create(name="audited")
    Role.objects.create(user=person, project=project, role=Role.Name.OWNER)
    web.post("/manage/project/audited/two-factor/", {"require_members": "on"})
    # mfa:totp-remove
    web.post(reverse("mfa:remove-totp"), {"code": next_code(person)})


def test_every_mfa_tag_is_recorded_by_its_action(web, person):
    run_every_action(web, person)
    recorded = set(AuditEvent.objects.filter(tag__startswith="mfa:").values_list("tag", flat=True))
    assert recorded == {str(tag) for tag in MFA_TAGS}


def test_every_mfa_event_reads_as_a_whole_sentence(web, person):
    run_every_action(web, person)
    for event in AuditEvent.objects.filter(tag__startswith="mfa:"):
        sentence = sentence_for(event)
        assert "—" not in sentence, (event.tag, sentence)
        assert "{" not in sentence, (event.tag, sentence)


def test_events_name_the_account_and_the_client_address(web, person):
    run_every_action(web, person)
    for event in AuditEvent.objects.filter(tag__startswith="mfa:").exclude(
        tag=Tag.MFA_PROJECT_POLICY_CHANGE
    ):
        assert event.subject_user_id == person.pk, event.tag
        assert event.ip == IP, event.tag


def test_the_second_step_failure_is_in_the_users_security_history(web, person):
    enable(person)
    visitor = Client(REMOTE_ADDR=IP)
    visitor.post("/account/login/", {"username": "pia", "password": PASSWORD})
    visitor.post("/account/two-factor/verify/", {"code": "00000x"})
    page = web.get("/account/security/")
    assert b"failed the second step" in page.content
