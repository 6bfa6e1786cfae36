"""Fixtures for the name policy tests: a small protected list and a fresh policy cache."""

from __future__ import annotations

import pytest

from stockade.names import services

PROTECTED = ["requests", "numpy", "pandas", "requests-oauthlib", "pyyaml", "matplotlib", "django"]


@pytest.fixture(autouse=True)
def fresh_policy_cache():
    """Each test's database starts at policy version 0 again, so forget the cached index."""
    services._state = None
    yield
    services._state = None


@pytest.fixture
def protected_names(db) -> list[str]:
    services.import_protected_names(pairs=[(name, 1000 - i) for i, name in enumerate(PROTECTED)])
    return PROTECTED
