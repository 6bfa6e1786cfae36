"""The README's quick start, as a newcomer runs it: user, token, twine upload, pip install."""

from __future__ import annotations

from pathlib import Path

from tests.distributions import Dist
from tests.e2e.harness import BIN, make_venv, run


def test_twine_upload_then_pip_install(index, client_env, tmp_path: Path):
    index.create_user("newcomer")
    token = index.create_token("newcomer")
    wheel, sdist = Dist("quick-start", module_body="VALUE = 'quick'\n").write(tmp_path / "dist")
    run(
        [
            str(BIN / "twine"),
            "upload",
            "--repository-url",
            index.upload_url,
            "-u",
            "__token__",
            "-p",
            token,
            str(wheel),
            str(sdist),
        ],
        env=client_env,
    )
    python = make_venv(tmp_path / "venv")
    run(
        [str(python), "-m", "pip", "install", "--index-url", index.simple_url, "quick-start"],
        env=client_env,
    )
    result = run([str(python), "-c", "import quick_start; print(quick_start.VALUE)"])
    assert result.stdout.strip() == "quick"
