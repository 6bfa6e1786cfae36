"""``stockade names``: check (JSON lines, stdin), import, refresh, prohibit, allow."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.names.conftest import PROTECTED


def run(*args: str, stdin: str = "") -> list[dict]:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("names", *args, stdout=out)
    finally:
        sys.stdin = old
    return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


def test_check_prints_one_json_object_per_name(protected_names):
    lines = run("check", "reqeusts", "brand-new-name", "-", stdin="os\nnumpy2\n")
    assert [(line["name"], line["decision"]) for line in lines] == [
        ("reqeusts", "refuse"),
        ("brand-new-name", "allow"),
        ("os", "refuse"),
        ("numpy2", "refuse"),
    ]
    assert lines[0]["rule"] == "typo-swapped-characters"
    assert lines[0]["resembles"] == "requests"
    assert lines[1]["rule"] is None


def test_check_as_user_uses_their_exceptions(protected_names, outsider):
    run("allow", "reqeusts", "--user", "oscar")
    assert run("check", "reqeusts", "--as", "oscar")[0]["decision"] == "allow"
    assert run("check", "reqeusts")[0]["decision"] == "refuse"
    with pytest.raises(CommandError):
        run("check", "x", "--as", "nobody")


def test_import_reads_the_top_pypi_json(db, tmp_path):
    path = tmp_path / "top.json"
    rows = [{"project": n, "download_count": 100 - i} for i, n in enumerate(PROTECTED)]
    path.write_text(json.dumps({"rows": rows}))
    run("import", str(path), "--limit", "3")
    from stockade.names.models import ProtectedName

    assert list(ProtectedName.objects.values_list("normalized_name", flat=True)) == PROTECTED[:3]
    with pytest.raises(CommandError):
        run("import", str(tmp_path / "missing.json"))


def test_prohibit_and_refresh(db):
    run("prohibit", "evil", "--reason", "test")
    assert run("check", "evil")[0]["rule"] == "prohibited"
    run("refresh")
