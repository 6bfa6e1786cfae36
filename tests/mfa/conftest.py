"""People for the second-factor tests, and helpers to compute their codes."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client

from stockade.accounts.models import User
from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli
from stockade.mfa import totp
from stockade.mfa.models import TotpDevice

PASSWORD = "granite-willow-copper-77"
IP = "203.0.113.9"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web() -> Client:
    return Client(REMOTE_ADDR=IP)


@pytest.fixture
def person(db) -> User:
    """Pia: a password, a verified address, no second factor."""
    return create_user(
        actor=actor_for_cli(),
        username="pia",
        email="pia@example.com",
        password=PASSWORD,
        email_verified=True,
    )


def next_code(user: User, *, steps_ahead: int = 0) -> str:
    """Return a code for the user's app that has not been used yet."""
    device = TotpDevice.objects.get(user=user)
    step = max(totp.current_step(), device.last_used_step + 1) + steps_ahead
    if step > totp.current_step() + totp.WINDOW_STEPS:
        raise AssertionError("no unused code within the window; wait for the next step")
    return totp.code_at(device.secret, step * totp.STEP_SECONDS)


def code_now(secret: str) -> str:
    return totp.code_at(secret, time.time())
