"""Policy ``all``: logged-in users without a second factor may only enrol one."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.mfa.conftest import IP
from tests.mfa.test_services import enable

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(person) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(person)
    return client


@pytest.mark.parametrize("path", ["/", "/account/settings/", "/manage/", "/manage/tokens/"])
def test_all_sends_users_without_a_factor_to_enrol(web, settings, path):
    settings.STOCKADE_REQUIRE_2FA = "all"
    response = web.get(path)
    assert response.status_code == 302 and response.url == "/account/two-factor/"


@pytest.mark.parametrize(
    "path", ["/account/two-factor/", "/account/two-factor/app/add/", "/static/mfa/webauthn.js"]
)
def test_all_leaves_enrolment_open(web, settings, path):
    settings.STOCKADE_REQUIRE_2FA = "all"
    assert web.get(path).status_code == 200


def test_all_lets_users_log_out(web, settings):
    settings.STOCKADE_REQUIRE_2FA = "all"
    assert web.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in web.session


def test_all_lets_users_with_a_factor_through(web, person, settings):
    settings.STOCKADE_REQUIRE_2FA = "all"
    enable(person)
    assert web.get("/account/settings/").status_code == 200


def test_all_leaves_visitors_alone(settings):
    settings.STOCKADE_REQUIRE_2FA = "all"
    assert Client().get("/").status_code == 200


@pytest.mark.parametrize("policy", ["off", "publish"])
def test_other_policies_leave_the_web_pages_open(web, settings, policy):
    settings.STOCKADE_REQUIRE_2FA = policy
    assert web.get("/account/settings/").status_code == 200
