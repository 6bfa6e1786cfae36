"""Re-authentication before sensitive actions: password and factor again when stale."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from stockade.mfa.reauth import AUTHENTICATED_AT
from tests.mfa.conftest import IP, PASSWORD, next_code
from tests.mfa.test_services import enable

pytestmark = pytest.mark.django_db

ADD_APP = "/account/two-factor/app/add/"
CONFIRM = "/account/two-factor/confirm/"


@pytest.fixture
def web(person) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(person)
    return client


def make_stale(web: Client, minutes: int = 16) -> None:
    session = web.session
    session[AUTHENTICATED_AT] = time.time() - minutes * 60
    session.save()


def test_a_fresh_login_needs_no_reauthentication(web):
    assert web.get(ADD_APP).status_code == 200


def test_a_stale_session_is_asked_for_the_password(web):
    make_stale(web)
    response = web.get(ADD_APP)
    assert response.status_code == 302
    assert response.url == f"{CONFIRM}?next=%2Faccount%2Ftwo-factor%2Fapp%2Fadd%2F"
    page = web.get(response.url)
    assert b"Confirm it is you" in page.content
    wrong = web.post(CONFIRM, {"password": "wrong", "next": ADD_APP})
    assert wrong.status_code == 400
    back = web.post(CONFIRM, {"password": PASSWORD, "next": ADD_APP})
    assert back.status_code == 302 and back.url == ADD_APP
    assert web.get(ADD_APP).status_code == 200


def test_a_user_with_a_factor_is_asked_for_it_too(web, person):
    enable(person)
    make_stale(web)
    response = web.post(CONFIRM, {"password": PASSWORD, "next": ADD_APP})
    assert response.url == "/account/two-factor/verify/"
    assert web.get(ADD_APP).status_code == 302  # not yet
    page = web.get(response.url)
    assert b"Confirm it is you with your second factor" in page.content
    done = web.post(response.url, {"code": next_code(person)})
    assert done.status_code == 302 and done.url == ADD_APP
    assert web.get(reverse("mfa:settings")).status_code == 200


def test_the_time_limit_is_configurable(web, settings):
    make_stale(web, minutes=16)
    settings.STOCKADE_REAUTH_MINUTES = 30
    assert web.get(ADD_APP).status_code == 200
    settings.STOCKADE_REAUTH_MINUTES = 10
    assert web.get(ADD_APP).status_code == 302


def test_zero_minutes_asks_every_time_but_lets_the_asked_action_finish(web, settings):
    settings.STOCKADE_REAUTH_MINUTES = 0
    assert web.get(ADD_APP).status_code == 302
    web.post(CONFIRM, {"password": PASSWORD, "next": ADD_APP})
    assert web.get(ADD_APP).status_code == 200


def test_a_post_goes_back_to_the_page_it_came_from(web):
    make_stale(web)
    response = web.post(
        reverse("mfa:regenerate-recovery-codes"),
        HTTP_REFERER="http://testserver/account/two-factor/",
    )
    assert response.url == f"{CONFIRM}?next=http%3A%2F%2Ftestserver%2Faccount%2Ftwo-factor%2F"


def test_json_requests_get_a_403_naming_the_page(web):
    make_stale(web)
    response = web.post(reverse("mfa:security-key-options"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json()["reauthenticate"].startswith(CONFIRM)


def test_next_may_not_leave_the_site(web):
    response = web.post(CONFIRM, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == "/account/settings/"
