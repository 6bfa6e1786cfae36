"""Real installers against a real index: twine and uv publish upload; pip and uv install.

One index for the module; each install goes into a fresh environment, so nothing can come
from a previous test. Every client runs with the isolated configuration (no other index).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest

from tests.distributions import Dist
from tests.e2e.clients import (
    bare_venv,
    fetch,
    installed_version,
    installed_wheel_generator,
    pip,
    resolve,
    twine_upload,
    uv,
)
from tests.e2e.harness import RunningIndex, isolated_client_env, run

JSON_V1 = "application/vnd.pypi.simple.v1+json"
FROM_WHEEL = "stockade-tests"
FROM_SDIST = "in-tree"


@pytest.fixture(scope="module")
def token(index: RunningIndex) -> str:
    index.create_user("installer")
    return index.create_token("installer")


@pytest.fixture(scope="module")
def published(index: RunningIndex, token: str, tmp_path_factory) -> dict[str, Path]:
    """Everything this module installs, uploaded once with twine."""
    dist_dir = tmp_path_factory.mktemp("dist")
    env = isolated_client_env()
    files: list[Path] = []
    builds = [
        Dist("client-demo", module_body="VALUE = 'client demo'\n"),
        # Yanked later by a test; 1.0 stays installable.
        Dist("yank-demo", version="1.0", module_body="VALUE = 1\n"),
        Dist("yank-demo", version="2.0", module_body="VALUE = 2\n"),
        # 2.0 needs a Python newer than the one running this suite. (A lower bound: uv
        # deliberately ignores upper bounds of Requires-Python.)
        Dist("gated-demo", version="1.0", requires_python=">=3.8"),
        Dist("gated-demo", version="2.0", requires_python=">=4"),
    ]
    for dist in builds:
        wheel, sdist = dist.write(dist_dir / f"{dist.name}-{dist.version}")
        files += [wheel, sdist]
    twine_upload(index, token, *files, env=env)
    return {f.name: f for f in files}


def _index_args(index: RunningIndex) -> list[str]:
    return ["--index-url", index.simple_url]


def _json_page(index: RunningIndex, project: str) -> dict:
    reply = fetch(f"{index.simple_url}{project}/", headers={"Accept": JSON_V1})
    assert reply.status == 200
    return reply.json()


# -- pip ------------------------------------------------------------------------------------


def test_pip_installs_the_wheel(index, published, client_env, tmp_path):
    python = bare_venv(tmp_path / "venv")
    pip(python, "install", *_index_args(index), "client-demo", env=client_env)
    result = run([str(python), "-c", "import client_demo; print(client_demo.VALUE)"])
    assert result.stdout.strip() == "client demo"
    assert installed_wheel_generator(python, "client-demo") == FROM_WHEEL


def test_pip_builds_and_installs_the_sdist(index, published, client_env, tmp_path):
    python = bare_venv(tmp_path / "venv")
    pip(
        python,
        "install",
        *_index_args(index),
        "--no-binary",
        "client-demo",
        "client-demo",
        env=client_env,
    )
    result = run([str(python), "-c", "import client_demo; print(client_demo.VALUE)"])
    assert result.stdout.strip() == "client demo"
    assert installed_wheel_generator(python, "client-demo") == FROM_SDIST


def test_pip_uses_the_pep_658_metadata_file(index, published, client_env, tmp_path):
    python = bare_venv(tmp_path / "venv")
    result = pip(
        python,
        "install",
        "-v",
        "--dry-run",
        "--only-binary",
        ":all:",
        *_index_args(index),
        "client-demo",
        env=client_env,
    )
    log = result.stdout + result.stderr
    assert "Obtaining dependency information for client-demo" in log or re.search(
        r"Obtaining dependency information from client-demo", log
    ), log
    assert "client_demo-1.0-py3-none-any.whl.metadata" in log, log
    # With the metadata file, a dry run never downloads the wheel itself.
    assert not re.search(r"Downloading \S*client_demo-1\.0-py3-none-any\.whl\b(?!\.metadata)", log)


def test_pip_download_checks_hashes_from_the_index(index, published, client_env, tmp_path):
    [wheel] = [
        f for f in _json_page(index, "client-demo")["files"] if f["filename"].endswith(".whl")
    ]
    sha256 = wheel["hashes"]["sha256"]
    assert sha256 == hashlib.sha256(published[wheel["filename"]].read_bytes()).hexdigest()
    python = bare_venv(tmp_path / "venv")

    good = tmp_path / "good.txt"
    good.write_text(f"client-demo==1.0 --hash=sha256:{sha256}\n")
    download = tmp_path / "download"
    pip(
        python,
        "download",
        *_index_args(index),
        "--no-deps",
        "--only-binary",
        ":all:",
        "--require-hashes",
        "-r",
        str(good),
        "-d",
        str(download),
        env=client_env,
    )
    assert (download / wheel["filename"]).read_bytes() == published[wheel["filename"]].read_bytes()

    bad = tmp_path / "bad.txt"
    bad.write_text(f"client-demo==1.0 --hash=sha256:{'0' * 64}\n")
    refused = pip(
        python,
        "download",
        *_index_args(index),
        "--no-deps",
        "--only-binary",
        ":all:",
        "--require-hashes",
        "-r",
        str(bad),
        "-d",
        str(tmp_path / "refused"),
        env=client_env,
        check=False,
    )
    assert refused.returncode != 0
    assert "DO NOT MATCH THE HASHES" in refused.stderr, refused.stderr
    assert sha256 in refused.stderr  # pip reports what it actually got
    assert not (tmp_path / "refused" / wheel["filename"]).exists()


def test_pip_skips_versions_whose_requires_python_excludes_this_interpreter(
    index, published, client_env, tmp_path
):
    python = bare_venv(tmp_path / "venv")
    pip(python, "install", *_index_args(index), "gated-demo", env=client_env)
    assert installed_version(python, "gated-demo") == "1.0"

    pinned = pip(
        python,
        "install",
        *_index_args(index),
        "gated-demo==2.0",
        env=client_env,
        check=False,
    )
    assert pinned.returncode != 0
    assert "require a different python version: 2.0" in pinned.stderr, pinned.stderr


def test_yanked_release_is_skipped_unless_pinned_and_unyank_restores(
    index, published, client_env, tmp_path
):
    reason = "Broken build: use 1.0"
    index.cli("yank", "yank-demo", "2.0", "--reason", reason)
    try:
        files = _json_page(index, "yank-demo")["files"]
        yanked = {f["filename"]: f["yanked"] for f in files}
        assert yanked == {
            "yank_demo-1.0-py3-none-any.whl": False,
            "yank_demo-1.0.tar.gz": False,
            "yank_demo-2.0-py3-none-any.whl": reason,
            "yank_demo-2.0.tar.gz": reason,
        }
        html = fetch(f"{index.simple_url}yank-demo/").body.decode()
        assert f'data-yanked="{reason}"' in html

        python = bare_venv(tmp_path / "pip-venv")
        pip(python, "install", *_index_args(index), "yank-demo", env=client_env)
        assert installed_version(python, "yank-demo") == "1.0"

        pinned = pip(python, "install", *_index_args(index), "yank-demo==2.0", env=client_env)
        assert installed_version(python, "yank-demo") == "2.0"
        assert "yanked" in pinned.stderr and reason in pinned.stderr, pinned.stderr

        uv_python = _uv_venv(tmp_path / "uv-venv", client_env)
        _uv_install(uv_python, index, "yank-demo", env=client_env)
        assert installed_version(uv_python, "yank-demo") == "1.0"
        _uv_install(uv_python, index, "yank-demo==2.0", env=client_env)
        assert installed_version(uv_python, "yank-demo") == "2.0"
    finally:
        index.cli("unyank", "yank-demo", "2.0")

    assert all(f["yanked"] is False for f in _json_page(index, "yank-demo")["files"])
    python = bare_venv(tmp_path / "after-unyank")
    pip(python, "install", *_index_args(index), "yank-demo", env=client_env)
    assert installed_version(python, "yank-demo") == "2.0"


# -- uv -------------------------------------------------------------------------------------


def _uv_venv(path: Path, env: dict[str, str]) -> Path:
    uv("venv", "--quiet", "--python", sys.executable, str(path), env=env)
    return path / "bin" / "python"


def _uv_install(python: Path, index: RunningIndex, *args: str, env: dict[str, str]):
    return uv("pip", "install", "--python", str(python), *_index_args(index), *args, env=env)


def test_uv_installs_the_wheel(index, published, client_env, tmp_path):
    python = _uv_venv(tmp_path / "venv", client_env)
    _uv_install(python, index, "client-demo", env=client_env)
    result = run([str(python), "-c", "import client_demo; print(client_demo.VALUE)"])
    assert result.stdout.strip() == "client demo"
    assert installed_wheel_generator(python, "client-demo") == FROM_WHEEL


def test_uv_builds_and_installs_the_sdist(index, published, client_env, tmp_path):
    python = _uv_venv(tmp_path / "venv", client_env)
    _uv_install(python, index, "--no-binary", "client-demo", "client-demo", env=client_env)
    result = run([str(python), "-c", "import client_demo; print(client_demo.VALUE)"])
    assert result.stdout.strip() == "client demo"
    assert installed_wheel_generator(python, "client-demo") == FROM_SDIST


def test_uv_skips_versions_whose_requires_python_excludes_this_interpreter(
    index, published, client_env, tmp_path
):
    python = _uv_venv(tmp_path / "venv", client_env)
    _uv_install(python, index, "gated-demo", env=client_env)
    assert installed_version(python, "gated-demo") == "1.0"


def test_uv_publish_uploads_and_the_upload_installs(index, token, client_env, tmp_path):
    wheel, sdist = Dist("uv-published", module_body="VALUE = 'via uv'\n").write(tmp_path / "dist")
    uv(
        "publish",
        "--publish-url",
        index.upload_url,
        "--token",
        token,
        str(wheel),
        str(sdist),
        env=client_env,
    )
    page = _json_page(index, "uv-published")
    assert page["versions"] == ["1.0"]
    by_name = {f["filename"]: f for f in page["files"]}
    assert set(by_name) == {wheel.name, sdist.name}
    for path in (wheel, sdist):
        served = fetch(resolve(f"{index.simple_url}uv-published/", by_name[path.name]["url"]))
        assert served.body == path.read_bytes()

    python = _uv_venv(tmp_path / "venv", client_env)
    _uv_install(python, index, "uv-published", env=client_env)
    result = run([str(python), "-c", "import uv_published; print(uv_published.VALUE)"])
    assert result.stdout.strip() == "via uv"
