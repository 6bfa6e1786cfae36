"""Shared fixtures: people, tokens, isolated package storage, and an upload helper."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from stockade.accounts.models import User
from stockade.accounts.services import create_user
from stockade.audit.actors import actor_for_cli
from stockade.mfa.services import enrol_totp_by_operator
from stockade.tokens.services import issue_token
from tests.distributions import Dist


@pytest.fixture(autouse=True)
def package_storage(tmp_path: Path, settings) -> Path:
    """Give every test its own package storage directory."""
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "stockade.storage_backends.AtomicFileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def _make_user(name: str) -> User:
    user = create_user(
        actor=actor_for_cli(),
        username=name,
        email=f"{name}@example.com",
        password=None,
        email_verified=True,
    )
    # Uploads need a second factor under the default policy (STOCKADE_REQUIRE_2FA=publish).
    enrol_totp_by_operator(actor=actor_for_cli(), user=user)
    return user


@pytest.fixture
def owner(db) -> User:
    return _make_user("olivia")


@pytest.fixture
def maintainer(db) -> User:
    return _make_user("max")


@pytest.fixture
def outsider(db) -> User:
    return _make_user("oscar")


@pytest.fixture
def owner_token(owner: User) -> str:
    return issue_token(actor=actor_for_cli(owner), user=owner, name="test")[1]


def basic_auth(token: str, username: str = "__token__") -> str:
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()


Uploader = Callable[..., "object"]


@pytest.fixture
def upload(client: Client) -> Uploader:
    """Upload one file as twine would; returns the Django test response.

    upload(token, dist, kind="wheel"|"sdist", content=bytes|None, filename=str|None,
           fields={override or add form fields}, drop=[field names to leave out])
    """

    def _upload(
        token: str,
        dist: Dist,
        *,
        kind: str = "wheel",
        content: bytes | None = None,
        filename: str | None = None,
        fields: dict | None = None,
        drop: tuple[str, ...] = (),
    ):
        import hashlib

        from django.core.files.uploadedfile import SimpleUploadedFile

        filetype = "bdist_wheel" if kind == "wheel" else "sdist"
        data = (
            content if content is not None else (dist.wheel() if kind == "wheel" else dist.sdist())
        )
        name = filename or (dist.wheel_filename if kind == "wheel" else dist.sdist_filename)
        form = dist.form_fields(filetype)
        form["sha256_digest"] = hashlib.sha256(data).hexdigest()
        form.update(fields or {})
        for key in drop:
            form.pop(key, None)
        form["content"] = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        return client.post("/legacy/", form, HTTP_AUTHORIZATION=basic_auth(token))

    return _upload
