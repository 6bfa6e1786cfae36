"""Fixtures for the TUF app: a data directory per test and a development repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.tuf import roots


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, settings) -> Path:
    """Keys and the publisher lock go to a directory of the test's own."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.STOCKADE_TUF_BINS = 16
    return settings.DATA_DIR


@pytest.fixture
def repository(db, django_capture_on_commit_callbacks) -> None:
    """An initialized development repository with 16 bins."""
    assert roots.initialize_development_root(bins=16)
