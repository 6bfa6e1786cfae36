"""Fixtures for the upload tests: tokens for every persona and a before/after state snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stockade.accounts.models import User
from stockade.audit.actors import actor_for_cli
from stockade.tokens.services import issue_token
from tests.upload.checks import StateSnapshot


@pytest.fixture
def maintainer_token(maintainer: User) -> str:
    return issue_token(actor=actor_for_cli(maintainer), user=maintainer, name="test")[1]


@pytest.fixture
def outsider_token(outsider: User) -> str:
    return issue_token(actor=actor_for_cli(outsider), user=outsider, name="test")[1]


@pytest.fixture
def snapshot_state(db, package_storage: Path) -> Callable[[], StateSnapshot]:
    """Call to record rows and stored files; ``.assert_unchanged()`` compares later."""
    return lambda: StateSnapshot.take(package_storage)
