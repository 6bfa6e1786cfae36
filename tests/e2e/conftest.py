"""Fixtures for end-to-end tests: a running index and isolated client environments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import RunningIndex, isolated_client_env, start_index


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIndex]:
    """A running ``stockade serve`` shared by one test module."""
    running = start_index(tmp_path_factory.mktemp("index"))
    yield running
    running.close()


@pytest.fixture
def client_env(tmp_path: Path) -> dict[str, str]:
    return isolated_client_env(
        UV_CACHE_DIR=str(tmp_path / "uv-cache"), PIP_CACHE_DIR=str(tmp_path / "pip-cache")
    )


@pytest.fixture(autouse=True)
def package_storage():
    """End-to-end tests use the server's own storage, not the in-process override."""
    return
