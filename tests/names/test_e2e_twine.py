"""End to end: import a protected list, then twine-upload a typosquat and read the refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.distributions import Dist
from tests.e2e.harness import BIN, isolated_client_env, run, start_index

pytestmark = pytest.mark.e2e


def test_twine_shows_why_a_typosquat_is_refused(tmp_path: Path):
    index = start_index(tmp_path / "index", STOCKADE_ADMIN_CONTACT="names@example.com")
    try:
        top = tmp_path / "top.json"
        rows = [
            {"project": "requests", "download_count": 10},
            {"project": "numpy", "download_count": 5},
        ]
        top.write_text(json.dumps({"rows": rows}))
        index.cli("names", "import", str(top))
        index.create_user("mallory")
        token = index.create_token("mallory")
        wheel, _ = Dist("reqeusts").write(tmp_path / "dist")
        env = isolated_client_env()
        upload = [str(BIN / "twine"), "upload", "--repository-url", index.upload_url]
        result = run(
            [*upload, "-u", "__token__", "-p", token, "--disable-progress-bar", str(wheel)],
            env=env,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert "400" in output
        assert "requests" in output
        assert "typo-swapped-characters" in output
        checked = json.loads(index.cli("names", "check", "reqeusts").stdout.splitlines()[-1])
        assert checked["decision"] == "refuse"
        honest, _ = Dist("requests-extra-helpers").write(tmp_path / "dist2")
        run(
            [*upload, "-u", "__token__", "-p", token, "--disable-progress-bar", str(honest)],
            env=env,
        )
    finally:
        index.close()
