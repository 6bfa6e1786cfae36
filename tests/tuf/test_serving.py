"""``/tuf/`` on the read path: metadata and hash-prefixed pages with the right caching."""

from __future__ import annotations

from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.files.storage import FileSystemStorage

from stockade.server.readpath import (
    FILE_CACHE_CONTROL,
    TUF_CURRENT_CACHE_CONTROL,
    ReadPathApp,
)

SHA = "a" * 64


@pytest.fixture
def app(tmp_path: Path) -> ReadPathApp:
    files = {
        "tuf/metadata/timestamp.json": b'{"t": 1}',
        "tuf/metadata/3.snapshot.json": b'{"s": 3}',
        "tuf/metadata/2.bins-0a.json": b'{"b": 2}',
        f"simple/demo/{SHA}.index.html": b"<html>demo</html>",
        "secret_key": b"secret",
    }
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)

    def django(environ, start_response):
        start_response("418 I'm a teapot", [])
        return [b"django"]

    return ReadPathApp(django, FileSystemStorage(location=str(tmp_path)))


def get(app: ReadPathApp, path: str) -> tuple[str, dict[str, str], bytes]:
    environ: dict = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    seen: dict = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_timestamp_is_short_lived(app) -> None:
    status, headers, body = get(app, "/tuf/timestamp.json")
    assert status == "200 OK" and body == b'{"t": 1}'
    assert headers["Cache-Control"] == TUF_CURRENT_CACHE_CONTROL


@pytest.mark.parametrize("path", ["/tuf/3.snapshot.json", "/tuf/2.bins-0a.json"])
def test_versioned_metadata_is_immutable(app, path) -> None:
    status, headers, _ = get(app, path)
    assert status == "200 OK"
    assert headers["Cache-Control"] == FILE_CACHE_CONTROL


def test_hash_prefixed_pages_are_served_as_targets(app) -> None:
    status, headers, body = get(app, f"/tuf/targets/simple/demo/{SHA}.index.html")
    assert status == "200 OK" and body == b"<html>demo</html>"
    assert headers["Cache-Control"] == FILE_CACHE_CONTROL


@pytest.mark.parametrize(
    "path",
    [
        "/tuf/../secret_key",
        "/tuf/secret_key",
        "/tuf/targets/secret_key",
        "/tuf/targets/simple/demo/index.html",
        f"/tuf/targets/simple/../{SHA}.index.html",
        "/tuf/4.snapshot.json",
    ],
)
def test_nothing_else_is_served_under_tuf(app, path) -> None:
    status, _, _ = get(app, path)
    assert status.startswith("404")
