"""Fixtures for storage tests: one moto S3 server per session and a fresh bucket per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.storage.s3server import ACCESS_KEY, SECRET_KEY, S3Endpoint, start_s3_endpoint


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    endpoint = start_s3_endpoint()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials only: never reach a real account with the machine's own."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_S3_SESSION_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bucket(s3_endpoint: S3Endpoint) -> str:
    return s3_endpoint.create_bucket()
