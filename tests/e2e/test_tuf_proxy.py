"""Verified installs: real pip and uv through ``stockade-verify proxy``, and the attacks it stops.

One index for the module (64 bins, 2FA off: this module is about signing, not accounts). Each
attack tampers with the index's storage, as someone who controls a mirror, a CDN or the bucket
would, checks that the proxy refuses with the attack's name, and restores the storage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, Targets, Timestamp

from tests.distributions import Dist
from tests.e2e.clients import bare_venv, pip, twine_upload, uv
from tests.e2e.harness import RunningIndex, isolated_client_env, run, start_index
from tests.e2e.tuf_helpers import Proxy, start_proxy, tampered, verify_cli


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Iterator[RunningIndex]:
    running = start_index(
        tmp_path_factory.mktemp("tuf-index"), STOCKADE_REQUIRE_2FA="off", STOCKADE_TUF_BINS="64"
    )
    yield running
    running.close()


@pytest.fixture(scope="module")
def root(index: RunningIndex, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("root") / "root.json"
    path.write_text(index.cli("tuf", "root").stdout)
    return path


@pytest.fixture(scope="module")
def dists(index: RunningIndex, tmp_path_factory) -> dict[str, Path]:
    index.create_user("signer")
    token = index.create_token("signer")
    out = tmp_path_factory.mktemp("dists")
    files: dict[str, Path] = {}
    for dist in (
        Dist("tuf-demo", module_body="VALUE = 'genuine'\n"),
        Dist("swap-victim", module_body="VALUE = 'genuine'\n"),
        Dist("file-victim", module_body="VALUE = 'genuine'\n"),
    ):
        wheel, sdist = dist.write(out / dist.name)
        files[dist.name] = wheel
        files[f"{dist.name}-sdist"] = sdist
    twine_upload(index, token, *files.values(), env=isolated_client_env())
    return files


@pytest.fixture
def proxy(index, root, dists, tmp_path) -> Iterator[Proxy]:
    running = start_proxy(index, root, tmp_path / "proxy")
    yield running
    running.stop()


def storage(index: RunningIndex) -> Path:
    return index.data_dir / "files"


def metadata_dir(index: RunningIndex) -> Path:
    return storage(index) / "tuf" / "metadata"


def stored_path(index: RunningIndex, filename: str) -> Path:
    (path,) = storage(index).glob(f"packages/*/*/*/{filename}")
    return path


def install(python: Path, index_url: str, *names: str, env, check: bool = True):
    return pip(
        python, "install", "--no-cache-dir", "--index-url", index_url, *names, env=env, check=check
    )


def value_of(python: Path, module: str) -> str:
    return run([str(python), "-c", f"import {module}; print({module}.VALUE)"]).stdout.strip()


# -- installs -------------------------------------------------------------------------------


def test_tuf_metadata_is_served_with_caching_headers(index, dists) -> None:
    from tests.e2e.clients import fetch

    timestamp = fetch(f"{index.url}/tuf/timestamp.json")
    assert timestamp.status == 200
    assert "max-age=5" in timestamp.headers["Cache-Control"]
    assert fetch(f"{index.url}/tuf/1.root.json").headers["Cache-Control"].endswith("immutable")
    assert fetch(f"{index.url}/tuf/../secret_key").status == 404


def test_pip_installs_through_the_proxy(proxy, client_env, tmp_path) -> None:
    python = bare_venv(tmp_path / "venv")
    install(python, proxy.simple_url, "tuf-demo", env=client_env)
    assert value_of(python, "tuf_demo") == "genuine"


def test_uv_installs_through_the_proxy(proxy, client_env, tmp_path) -> None:
    python = bare_venv(tmp_path / "venv")
    uv(
        "pip", "install", "--python", str(python), "--index-url", proxy.simple_url,
        "--no-cache", "tuf-demo", env=client_env,
    )  # fmt: skip
    assert value_of(python, "tuf_demo") == "genuine"


def test_check_verifies_downloaded_files(index, root, dists, tmp_path) -> None:
    good = dists["tuf-demo"]
    result = verify_cli("check", "--index-url", index.url, "--root", str(root),
                        "--cache-dir", str(tmp_path), str(good))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")
    bad = tmp_path / good.name
    bad.write_bytes(good.read_bytes() + b"\0")
    result = verify_cli("check", "--index-url", index.url, "--root", str(root),
                        "--cache-dir", str(tmp_path), str(bad))  # fmt: skip
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "Unsigned file" in result.stdout


# -- attacks --------------------------------------------------------------------------------


def test_refuses_a_distribution_file_replaced_in_storage(
    index, dists, proxy, client_env, tmp_path
) -> None:
    wheel = dists["file-victim"]
    evil = Dist("file-victim", module_body="VALUE = 'evil'\n").wheel()
    with tampered(stored_path(index, wheel.name), evil):
        python = bare_venv(tmp_path / "venv")
        result = install(python, proxy.simple_url, "file-victim", env=client_env, check=False)
    assert result.returncode != 0
    assert "Tampered file" in result.stdout + result.stderr
    assert "Tampered file: packages/" in proxy.output()


def test_refuses_a_swapped_page_that_plain_pip_installs(
    index, dists, proxy, client_env, tmp_path
) -> None:
    """The attacker stores another wheel and rewrites the pages to point at it, with its true
    hash: pip alone cannot tell, the proxy can."""
    evil = Dist("swap-victim", module_body="VALUE = 'evil'\n").wheel()
    blake = hashlib.blake2b(evil, digest_size=32).hexdigest()
    wheel_name = dists["swap-victim"].name
    relative = f"packages/{blake[:2]}/{blake[2:4]}/{blake[4:]}/{wheel_name}"
    evil_path = storage(index) / relative
    evil_path.parent.mkdir(parents=True)
    evil_path.write_bytes(evil)
    sha = hashlib.sha256(evil).hexdigest()
    url = f"../../{relative}#sha256={sha}"
    html = f'<!DOCTYPE html><html><body><a href="{url}">{wheel_name}</a></body></html>'.encode()
    page = {
        "meta": {"api-version": "1.1"},
        "name": "swap-victim",
        "versions": ["1.0"],
        "files": [{"filename": wheel_name, "url": url, "hashes": {"sha256": sha},
                   "size": len(evil), "core-metadata": False}],
    }  # fmt: skip
    pages = storage(index) / "simple" / "swap-victim"
    swaps = {}
    for name, body in (("index.html", html), ("index.json", json.dumps(page).encode())):
        current = hashlib.sha256((pages / name).read_bytes()).hexdigest()
        swaps[pages / name] = body
        swaps[pages / f"{current}.{name}"] = body  # the signed copy, too
    with (
        tampered(*next(iter(swaps.items()))),
        tampered(*list(swaps.items())[1]),
        tampered(*list(swaps.items())[2]),
        tampered(*list(swaps.items())[3]),
    ):
        direct = bare_venv(tmp_path / "direct")
        install(direct, f"{index.url}/simple/", "swap-victim", env=client_env)
        assert value_of(direct, "swap_victim") == "evil"  # what the proxy adds
        python = bare_venv(tmp_path / "venv")
        result = install(python, proxy.simple_url, "swap-victim", env=client_env, check=False)
    assert result.returncode != 0
    assert "Tampered file: simple/swap-victim/index" in proxy.output()


def _upload_another(index: RunningIndex, tmp_path: Path, name: str) -> None:
    token = index.create_token("signer")
    wheel, _ = Dist(name).write(tmp_path / name)
    twine_upload(index, token, wheel, env=isolated_client_env())


def test_refuses_a_replayed_timestamp(index, dists, proxy, client_env, tmp_path) -> None:
    old = (metadata_dir(index) / "timestamp.json").read_bytes()
    _upload_another(index, tmp_path, "rollback-bump")
    python = bare_venv(tmp_path / "venv")
    install(python, proxy.simple_url, "rollback-bump", env=client_env)  # the proxy sees the new one
    with tampered(metadata_dir(index) / "timestamp.json", old):
        result = install(python, proxy.simple_url, "tuf-demo", env=client_env, check=False)
    assert result.returncode != 0
    # pip hides why an index page failed (it shows it with -v); the proxy says it.
    assert "Rollback attack" in proxy.output()


def _online_signer(index: RunningIndex) -> CryptoSigner:
    from stockade.tuf.keys import load_key_file

    return load_key_file(index.data_dir / "tuf" / "keys" / "online.pem")


def _current_timestamp(index: RunningIndex) -> Metadata[Timestamp]:
    return Metadata[Timestamp].from_bytes((metadata_dir(index) / "timestamp.json").read_bytes())


def test_refuses_an_expired_timestamp(index, dists, proxy, client_env, tmp_path) -> None:
    current = _current_timestamp(index).signed
    frozen = Metadata(
        Timestamp(
            version=current.version + 1,
            expires=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1),
            snapshot_meta=MetaFile(current.snapshot_meta.version),
        )
    )
    frozen.sign(_online_signer(index))
    with tampered(metadata_dir(index) / "timestamp.json", frozen.to_bytes()):
        python = bare_venv(tmp_path / "venv")
        result = install(python, proxy.simple_url, "tuf-demo", env=client_env, check=False)
    assert result.returncode != 0
    assert "Freeze attack" in proxy.output()


def test_refuses_metadata_mixed_from_two_snapshots(index, root, dists, client_env, tmp_path):
    """The current timestamp with the previous snapshot behind the current snapshot's name."""
    version = _current_timestamp(index).signed.snapshot_meta.version
    older = (metadata_dir(index) / f"{version - 1}.snapshot.json").read_bytes()
    with tampered(metadata_dir(index) / f"{version}.snapshot.json", older):
        proxy = start_proxy(index, root, tmp_path / "fresh-proxy")
        try:
            python = bare_venv(tmp_path / "venv")
            result = install(python, proxy.simple_url, "tuf-demo", env=client_env, check=False)
        finally:
            proxy.stop()
    assert result.returncode != 0
    assert "Mix-and-match attack" in proxy.output()


def test_refuses_an_oversized_metadata_file(index, dists, proxy, client_env, tmp_path) -> None:
    endless = b'{"signed": {' + b" " * 1_000_000 + b"}}"
    with tampered(metadata_dir(index) / "timestamp.json", endless):
        python = bare_venv(tmp_path / "venv")
        result = install(python, proxy.simple_url, "tuf-demo", env=client_env, check=False)
    assert result.returncode != 0
    assert "Endless data attack" in proxy.output()


def test_refuses_a_bin_signed_by_a_key_not_delegated(index, root, dists, tmp_path, client_env):
    snapshot_version = _current_timestamp(index).signed.snapshot_meta.version
    snapshot = json.loads((metadata_dir(index) / f"{snapshot_version}.snapshot.json").read_bytes())
    targets_version = snapshot["signed"]["meta"]["targets.json"]["version"]
    targets = Metadata[Targets].from_bytes(
        (metadata_dir(index) / f"{targets_version}.targets.json").read_bytes()
    )
    bin_name = targets.signed.delegations.succinct_roles.get_role_for_target(
        "simple/tuf-demo/index.json"
    )
    bin_version = snapshot["signed"]["meta"][f"{bin_name}.json"]["version"]
    bin_path = metadata_dir(index) / f"{bin_version}.{bin_name}.json"
    forged = Metadata[Targets].from_bytes(bin_path.read_bytes())
    forged.sign(CryptoSigner.generate_ed25519())  # replaces the online key's signature
    with tampered(bin_path, forged.to_bytes()):
        proxy = start_proxy(index, root, tmp_path / "fresh-proxy")  # nothing cached
        try:
            python = bare_venv(tmp_path / "venv")
            result = install(python, proxy.simple_url, "tuf-demo", env=client_env, check=False)
        finally:
            proxy.stop()
    assert result.returncode != 0
    assert "Untrusted signature" in proxy.output()
