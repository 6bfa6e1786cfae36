"""Fixtures for account tests: a member who logs in with a password, and clean rate limits."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from stockade.accounts.models import User
from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli

PASSWORD = "pale-orange-kettle-42"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db) -> User:
    """A user with a password and a verified primary address."""
    return create_user(
        actor=actor_for_cli(),
        username="mina",
        email="mina@example.com",
        password=PASSWORD,
        email_verified=True,
    )


def link_in_last_mail(pattern: str = r"https?://\S+") -> str:
    """Return the first link in the last message sent."""
    assert mail.outbox, "no mail was sent"
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
