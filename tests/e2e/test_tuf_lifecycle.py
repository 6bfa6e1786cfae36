"""The TUF repository over time: root rotation and ceremonies followed by old clients, the
development-root warning, and a publisher killed at every point of its work."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from stockade_verify.errors import UnsignedTargetError
from stockade_verify.trust import VerifiedIndex

from tests.distributions import Dist
from tests.e2e.clients import bare_venv, pip, twine_upload
from tests.e2e.harness import RunningIndex, isolated_client_env, run, start_index
from tests.e2e.tuf_helpers import start_proxy

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Iterator[RunningIndex]:
    running = start_index(
        tmp_path_factory.mktemp("tuf-life"), STOCKADE_REQUIRE_2FA="off", STOCKADE_TUF_BINS="32"
    )
    running.create_user("signer")
    yield running
    running.close()


def upload(index: RunningIndex, tmp_path: Path, name: str) -> Path:
    wheel, _ = Dist(name, module_body=f"VALUE = {name!r}\n").write(tmp_path / name)
    twine_upload(index, index.create_token("signer"), wheel, env=isolated_client_env())
    return wheel


def root_file(index: RunningIndex, path: Path) -> Path:
    path.write_text(index.cli("tuf", "root").stdout)
    return path


def root_version(path: Path) -> int:
    return json.loads(path.read_bytes())["signed"]["version"]


def test_serve_warns_while_the_root_keys_are_on_the_server(index) -> None:
    assert "WARNING: the TUF root and targets keys are on this server" in index.log.read_text()


def test_old_clients_follow_rotations_and_ceremonies(index, tmp_path, client_env) -> None:
    upload(index, tmp_path, "before-rotation")
    first_root = root_file(index, tmp_path / "root-1.json")
    assert root_version(first_root) == 1
    running = start_proxy(index, first_root, tmp_path / "running-proxy")
    try:
        python = bare_venv(tmp_path / "venv")
        pip(python, "install", "--index-url", running.simple_url, "before-rotation", env=client_env)

        index.cli("tuf", "rotate")  # new online key, root v2
        upload(index, tmp_path, "after-rotation")
        pip(python, "install", "--index-url", running.simple_url, "after-rotation", env=client_env)

        keys = tmp_path / "offline-keys"
        out = index.cli("tuf", "ceremony", "--keys-dir", str(keys), "--root-keys", "3",
                        "--root-threshold", "2").stdout  # fmt: skip
        assert "Installed root version 3" in out
        assert not (index.data_dir / "tuf" / "development-offline-keys").exists()
        index.cli("tuf", "rotate", "--keys-dir", str(keys))  # root v4, signed offline
        upload(index, tmp_path, "after-ceremony")
        pip(python, "install", "--index-url", running.simple_url, "after-ceremony", env=client_env)
    finally:
        running.stop()
    assert root_version(root_file(index, tmp_path / "root-4.json")) == 4

    fresh = start_proxy(index, first_root, tmp_path / "fresh-proxy")  # holds only root v1
    try:
        other = bare_venv(tmp_path / "other")
        pip(other, "install", "--index-url", fresh.simple_url, "before-rotation",
            "after-ceremony", env=client_env)  # fmt: skip
    finally:
        fresh.stop()
    cached = next((tmp_path / "fresh-proxy" / "metadata").glob("*/root.json"))
    assert root_version(cached) == 4

    index.stop()
    index.start()
    assert index.log.read_text().count("WARNING: the TUF root") == 1  # not since the ceremony


def test_a_publisher_killed_anywhere_never_breaks_clients(tmp_path_factory, tmp_path) -> None:
    index = start_index(
        tmp_path_factory.mktemp("tuf-crash"),
        STOCKADE_REQUIRE_2FA="off",
        STOCKADE_TUF_BINS="16",
        STOCKADE_TUF_PUBLISH_INLINE="false",
    )
    try:
        index.create_user("signer")
        root = root_file(index, tmp_path / "root.json").read_bytes()
        wheels = [upload(index, tmp_path, f"crash-{i}") for i in range(3)]
        crashes = 0
        # "commit" first: it dies after the timestamp, leaving every change pending.
        for point in ["commit", *map(str, range(40))]:
            result = subprocess.run(
                [sys.executable, str(HERE / "crashing_publisher.py"), point],
                env=index.env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            if "completed" in result.stdout:
                break
            assert result.returncode == 9, result.stderr
            crashes += 1
            # Whatever was written, a fresh client verifies the metadata it finds.
            VerifiedIndex(index.url, root, tmp_path / f"client-{point}").refresh()
        assert crashes >= 5
        # Some changes may still be pending after a crash at "commit": publish them.
        index.cli("tuf", "publish")
        fresh = VerifiedIndex(index.url, root, tmp_path / "final-client")
        for wheel in wheels:
            fresh.verify_local_file(wheel)
        with pytest.raises(UnsignedTargetError):
            fresh.verify_local_file(Path(__file__))
        for name in ("crash-0", "crash-1", "crash-2"):
            fresh.fetch_page(f"simple/{name}/index.json")
        fresh.fetch_page("simple/index.html")
        proxy = start_proxy(index, tmp_path / "root.json", tmp_path / "proxy")
        try:
            python = bare_venv(tmp_path / "venv")
            pip(python, "install", "--index-url", proxy.simple_url, "crash-0", "crash-1",
                "crash-2", env=isolated_client_env())  # fmt: skip
            assert run([str(python), "-c", "import crash_2; print(crash_2.VALUE)"]).stdout
        finally:
            proxy.stop()
    finally:
        index.close()
