"""STOCKADE_REQUIRE_2FA and a project's own requirement, as uploads and pages meet them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from stockade.audit.actors import actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import policy, services
from stockade.mfa.models import ProjectMfaPolicy
from stockade.packaging.models import File, Project, Role
from stockade.tokens.services import issue_token
from tests.distributions import Dist
from tests.upload.checks import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_token(person) -> str:
    return issue_token(actor=actor_for_cli(person), user=person, name="ci")[1]


def test_the_default_policy_is_publish():
    """No STOCKADE_REQUIRE_2FA in the environment: uploads need a second factor."""
    from django.conf import settings

    assert "STOCKADE_REQUIRE_2FA" not in os.environ
    assert settings.STOCKADE_REQUIRE_2FA == "publish"
    assert policy.current_policy() == "publish"


@pytest.mark.parametrize("value", ["off", "publish", "all"])
def test_the_three_policies_parse(value):
    assert policy.parse_policy(value) == value


@pytest.mark.parametrize("value", ["", "on", "Publish", "true", "all "])
def test_anything_else_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="off, publish or all"):
        policy.parse_policy(value)


def test_the_settings_module_refuses_an_unknown_policy(tmp_path):
    env = {**os.environ, "STOCKADE_REQUIRE_2FA": "sometimes", "STOCKADE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import stockade.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "STOCKADE_REQUIRE_2FA must be off, publish or all" in result.stderr


def test_publish_refuses_an_upload_without_a_second_factor(person, person_token, upload, settings):
    settings.BASE_URL = "https://pkgs.example.org"
    response = upload(person_token, Dist("lonely"))
    assert_refused(response, 403, "two-factor authentication", "pia")
    assert "https://pkgs.example.org/account/two-factor/" in response.reason_phrase
    assert not Project.objects.filter(normalized_name="lonely").exists()
    event = AuditEvent.objects.get(tag=Tag.UPLOAD_REFUSED)
    assert "two-factor" in event.details["reason"]


def test_the_refusal_names_a_relative_page_without_a_base_url(person, person_token, upload):
    response = upload(person_token, Dist("lonely"))
    assert "/account/two-factor/" in response.reason_phrase


def test_publish_accepts_the_upload_once_a_factor_is_added(person, person_token, upload):
    assert upload(person_token, Dist("lonely")).status_code == 403
    services.enrol_totp_by_operator(actor=actor_for_cli(), user=person)
    assert upload(person_token, Dist("lonely")).status_code == 200
    assert File.objects.filter(release__project__normalized_name="lonely").count() == 1


def test_all_refuses_uploads_without_a_factor_too(person, person_token, upload, settings):
    settings.STOCKADE_REQUIRE_2FA = "all"
    assert_refused(upload(person_token, Dist("lonely")), 403, "two-factor")


def test_off_accepts_uploads_without_a_factor(person, person_token, upload, settings):
    settings.STOCKADE_REQUIRE_2FA = "off"
    assert upload(person_token, Dist("lonely")).status_code == 200


def test_a_project_can_require_a_factor_of_members_even_when_the_index_does_not(
    person, person_token, owner, upload, settings
):
    settings.STOCKADE_REQUIRE_2FA = "off"
    project = Project.objects.create(name="guarded")
    Role.objects.create(user=owner, project=project, role=Role.Name.OWNER)
    Role.objects.create(user=person, project=project, role=Role.Name.MAINTAINER)
    assert upload(person_token, Dist("guarded")).status_code == 200
    ProjectMfaPolicy.objects.create(project=project, require_members=True)
    response = upload(person_token, Dist("guarded", version="2.0"))
    assert_refused(response, 403, "owners of 'guarded' require two-factor")
    services.enrol_totp_by_operator(actor=actor_for_cli(), user=person)
    assert upload(person_token, Dist("guarded", version="2.0")).status_code == 200


def test_an_owner_with_a_factor_uploads_under_publish(owner_token, upload):
    """The shared ``owner`` fixture has an authenticator app (tests/conftest.py)."""
    assert upload(owner_token, Dist("fine")).status_code == 200
