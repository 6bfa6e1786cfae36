"""Removing files, releases and projects, and what twine shows when an upload is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.distributions import Dist
from tests.e2e.clients import fetch, resolve, twine_upload
from tests.e2e.harness import RunningIndex, isolated_client_env

JSON_V1 = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def token(index: RunningIndex) -> str:
    index.create_user("remover")
    return index.create_token("remover")


def _page(index: RunningIndex, project: str) -> tuple[int, dict]:
    reply = fetch(f"{index.simple_url}{project}/", headers={"Accept": JSON_V1})
    return reply.status, (reply.json() if reply.status == 200 else {})


def _stored(index: RunningIndex, item: dict, project: str) -> Path:
    """Where the read path serves a file from: the data directory's package storage."""
    path = resolve(f"/simple/{project}/", item["url"]).lstrip("/")
    return index.data_dir / "files" / path


def _output(result) -> str:
    """twine's output with rich's line wrapping undone."""
    return " ".join((result.stdout + result.stderr).split())


def test_remove_file_release_and_project(index, token, tmp_path):
    env = isolated_client_env()
    files: dict[str, Path] = {}
    for version in ("1.0", "2.0"):
        for path in Dist("removable", version=version).write(tmp_path / version):
            files[path.name] = path
    twine_upload(index, token, *files.values(), env=env)
    status, page = _page(index, "removable")
    assert status == 200
    items = {f["filename"]: f for f in page["files"]}
    stored = {name: _stored(index, item, "removable") for name, item in items.items()}
    assert all(path.is_file() for path in stored.values())

    # One file.
    wheel = "removable-1.0-py3-none-any.whl"
    index.cli("remove", "removable", "1.0", wheel, "--yes")
    _, page = _page(index, "removable")
    assert {f["filename"] for f in page["files"]} == set(files) - {wheel}
    assert page["versions"] == ["1.0", "2.0"]
    assert wheel not in fetch(f"{index.simple_url}removable/").body.decode()
    assert not stored[wheel].exists()
    assert not Path(f"{stored[wheel]}.metadata").exists()
    assert fetch(resolve(f"{index.simple_url}removable/", items[wheel]["url"])).status == 404
    assert stored["removable-1.0.tar.gz"].is_file()

    refused = twine_upload(index, token, files[wheel], env=env, check=False)
    assert refused.returncode != 0
    assert "409" in _output(refused)
    assert "was used by a file that has been deleted" in _output(refused), _output(refused)

    # One release.
    index.cli("remove", "removable", "2.0", "--yes")
    _, page = _page(index, "removable")
    assert page["versions"] == ["1.0"]
    assert {f["filename"] for f in page["files"]} == {"removable-1.0.tar.gz"}
    assert not stored["removable-2.0-py3-none-any.whl"].exists()
    assert not stored["removable-2.0.tar.gz"].exists()
    assert fetch(f"{index.url}/pypi/removable/2.0/json").status == 404

    # The whole project.
    index.cli("remove", "removable", "--yes")
    assert _page(index, "removable")[0] == 404
    assert not any(path.exists() for path in stored.values())
    assert "removable" not in fetch(index.simple_url).body.decode()
    listing = fetch(index.simple_url, headers={"Accept": JSON_V1}).json()
    assert all(p["name"].lower() != "removable" for p in listing["projects"])
    assert fetch(f"{index.url}/pypi/removable/json").status == 404

    refused = twine_upload(index, token, files["removable-2.0.tar.gz"], env=env, check=False)
    assert refused.returncode != 0
    assert "was used by a file that has been deleted" in _output(refused), _output(refused)


def test_remove_without_yes_refuses_when_not_interactive(index, token, tmp_path):
    wheel, _ = Dist("keep-me").write(tmp_path)
    twine_upload(index, token, wheel, env=isolated_client_env())
    result = index.cli("remove", "keep-me", check=False)
    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert _page(index, "keep-me")[0] == 200


def test_twine_shows_why_a_wrong_token_is_refused(index, token, tmp_path):
    wheel, _ = Dist("refused-demo").write(tmp_path)
    wrong = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    result = twine_upload(index, wrong, wheel, env=isolated_client_env(), check=False)
    assert result.returncode != 0
    output = _output(result)
    assert "403" in output or "401" in output, output
    assert "Invalid API token" in output and "Create a new token" in output, output
    assert _page(index, "refused-demo")[0] == 404


def test_twine_shows_why_a_changed_file_is_refused(index, token, tmp_path):
    env = isolated_client_env()
    first, _ = Dist("changed-demo", module_body="VALUE = 1\n").write(tmp_path / "first")
    twine_upload(index, token, first, env=env)
    # Uploading the very same file again is a harmless no-op.
    twine_upload(index, token, first, env=env)
    second, _ = Dist("changed-demo", module_body="VALUE = 2\n").write(tmp_path / "second")
    assert second.name == first.name
    result = twine_upload(index, token, second, env=env, check=False)
    assert result.returncode != 0
    output = _output(result)
    assert "409" in output, output
    assert "File already exists" in output and "Bump the version" in output, output
    _, page = _page(index, "changed-demo")
    [item] = page["files"]
    served = fetch(resolve(f"{index.simple_url}changed-demo/", item["url"]))
    assert served.body == first.read_bytes()


def test_twine_shows_why_a_token_for_another_project_is_refused(index, token, tmp_path):
    env = isolated_client_env()
    owned, _ = Dist("scoped-owned").write(tmp_path / "owned")
    twine_upload(index, token, owned, env=env)
    scoped = index.create_token("remover", "--project", "scoped-owned")
    other, _ = Dist("scoped-other").write(tmp_path / "other")
    result = twine_upload(index, scoped, other, env=env, check=False)
    assert result.returncode != 0
    output = _output(result)
    assert "403" in output, output
    assert "This API token is limited to the project(s) scoped-owned" in output, output
