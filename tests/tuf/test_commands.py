"""``stockade tuf …``: the operator's commands call the services and say what they did."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stockade.tuf.models import PendingChange

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command("tuf", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_root_prints_the_current_root(repository, capsys) -> None:
    run("root")
    assert json.loads(capsys.readouterr().out)["signed"]["_type"] == "root"


def test_root_before_initialization_says_what_to_do(db) -> None:
    with pytest.raises(CommandError, match="stockade tuf ceremony"):
        run("root")


def test_status_names_every_role_and_the_development_root(repository) -> None:
    out = run("status")
    for role in ("root", "targets", "snapshot", "timestamp"):
        assert role in out
    assert "bins       16" in out
    assert "DEVELOPMENT ROOT" in out


def test_publish_signs_what_is_pending(repository) -> None:
    PendingChange.objects.create(project="gone")
    assert "1 change(s)" in run("publish")
    assert "Nothing to publish" in run("publish")


def test_refresh_is_quiet_when_nothing_is_due(repository) -> None:
    assert run("refresh") == ""


def test_ceremony_and_rotate(repository, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert "Installed root version 2" in run("ceremony", "--keys-dir", str(keys))
    assert "root is now version 3" in run("rotate", "--keys-dir", str(keys))
    with pytest.raises(CommandError, match="already holds keys"):
        run("ceremony", "--keys-dir", str(keys))
