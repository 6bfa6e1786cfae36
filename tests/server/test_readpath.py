"""The read path as a plain WSGI app over a storage directory: no Django views, no database."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from stockade.server.readpath import FILE_CACHE_CONTROL, PAGE_CACHE_CONTROL, ReadPathApp
from stockade.simple.negotiation import JSON_V1

WHEEL = "packages/ab/cd/ef0123/demo-1.0-py3-none-any.whl"
SDIST = "packages/12/34/5678/demo-1.0.tar.gz"
WHEEL_BYTES = b"PK\x03\x04 not really a zip " * 100
SDIST_BYTES = b"\x1f\x8b gzip-ish"
METADATA_BYTES = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
PAGES = {
    "simple/index.html": b"<html>all projects</html>",
    "simple/index.json": b'{"projects":[{"name":"demo"}]}',
    "simple/demo/index.html": b"<html>demo</html>",
    "simple/demo/index.json": b'{"name":"demo"}',
}


@dataclass
class Response:
    status: str
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split()[0])


@dataclass
class InnerApp:
    """Stands in for Django: records what reached it."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, environ, start_response):
        self.calls.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Inner", "django")])
        return [b"from django"]


def _fill(storage: Storage) -> None:
    for name, data in {
        **PAGES,
        WHEEL: WHEEL_BYTES,
        f"{WHEEL}.metadata": METADATA_BYTES,
        SDIST: SDIST_BYTES,
    }.items():
        storage.save(name, ContentFile(data))


class RemoteStorage(Storage):
    """Storage without local paths, like S3: the read path must open files through it."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def _open(self, name: str, mode: str = "rb") -> ContentFile:
        try:
            return ContentFile(self.objects[name], name=name)
        except KeyError:
            raise FileNotFoundError(name) from None

    def _save(self, name: str, content) -> str:
        self.objects[name] = content.read()
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def exists(self, name: str) -> bool:
        return name in self.objects

    def delete(self, name: str) -> None:
        self.objects.pop(name, None)


@pytest.fixture(params=["filesystem", "remote"])
def storage(request, tmp_path: Path) -> Storage:
    """Local directory storage (served by path) and storage without paths (served by open)."""
    if request.param == "filesystem":
        backend: Storage = FileSystemStorage(location=tmp_path / "files")
    else:
        backend = RemoteStorage()
    _fill(backend)
    return backend


@pytest.fixture
def inner() -> InnerApp:
    return InnerApp()


@pytest.fixture
def app(storage: Storage, inner: InnerApp) -> ReadPathApp:
    return ReadPathApp(inner, storage)


def call(app, path: str, method: str = "GET", query: str = "", **headers: str) -> Response:
    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": method, "QUERY_STRING": query}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    captured: dict = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return Response(captured["status"], captured["headers"], body)


# -- simple pages ---------------------------------------------------------------------------


def test_project_page_is_html_by_default_with_caching_headers(app):
    response = call(app, "/simple/demo/")
    assert response.status == "200 OK"
    assert response.body == PAGES["simple/demo/index.html"]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(response.body))
    assert response.headers["Cache-Control"] == PAGE_CACHE_CONTROL
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('"')


def test_project_page_is_json_when_accept_asks_for_it(app):
    response = call(app, "/simple/demo/", accept=JSON_V1)
    assert response.headers["Content-Type"] == JSON_V1
    assert json.loads(response.body) == {"name": "demo"}
    assert response.headers["Vary"] == "Accept"


def test_html_and_json_have_different_etags(app):
    html = call(app, "/simple/demo/")
    data = call(app, "/simple/demo/", accept=JSON_V1)
    assert html.headers["ETag"] != data.headers["ETag"]


def test_format_query_parameter_overrides_accept(app):
    response = call(app, "/simple/demo/", query=f"format={JSON_V1}", accept="text/html")
    assert response.headers["Content-Type"] == JSON_V1


def test_unacceptable_accept_is_406_with_vary(app):
    response = call(app, "/simple/demo/", accept="image/png")
    assert response.code == 406
    assert response.headers["Vary"] == "Accept"
    assert b"application/vnd.pypi.simple.v1+json" in response.body


def test_unknown_format_parameter_is_406(app):
    assert call(app, "/simple/demo/", query="format=application/json").code == 406


def test_project_list_in_both_formats(app):
    assert call(app, "/simple/").body == PAGES["simple/index.html"]
    response = call(app, "/simple/", accept=JSON_V1)
    assert response.body == PAGES["simple/index.json"]
    assert response.headers["Content-Type"] == JSON_V1


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        ("/simple", "", "/simple/"),
        ("/simple/demo", "", "/simple/demo/"),
        ("/simple/Demo/", "", "/simple/demo/"),
        ("/simple/Demo", "", "/simple/demo/"),
        ("/simple/Quick_Start/", "", "/simple/quick-start/"),
        ("/simple/quick.start/", "", "/simple/quick-start/"),
        ("/simple/Demo/", f"format={JSON_V1}", f"/simple/demo/?format={JSON_V1}"),
    ],
)
def test_redirects_to_the_normalized_page_url(app, path, query, location):
    response = call(app, path, query=query)
    assert response.status == "301 Moved Permanently"
    assert response.headers["Location"] == location
    assert response.body == b""


def test_redirect_target_is_url_quoted(app):
    response = call(app, "/simple/A B/")
    assert response.code == 301
    assert response.headers["Location"] == "/simple/a%20b/"


@pytest.mark.parametrize(
    "path",
    [
        "/simple/missing/",
        "/simple/demo/extra/",
        "/simple/demo/index.html",
        "/simple/demo/index.json",
        "/simple//",
        "/simple/../secret",
        "/simple/../simple/demo/",
    ],
)
def test_unknown_simple_paths_are_404(app, path):
    response = call(app, path)
    assert response.code == 404
    assert b"demo</html>" not in response.body


def test_dot_names_never_escape_the_simple_directory(app, storage):
    storage.save("secret/index.html", ContentFile(b"secret"))
    for path in ("/simple/../", "/simple/./", "/simple/.."):
        response = call(app, path)
        assert response.code in (301, 404)
        assert b"secret" not in response.body
        assert response.headers.get("Location", "/simple/").startswith("/simple/")


def test_matching_if_none_match_is_304(app):
    etag = call(app, "/simple/demo/").headers["ETag"]
    response = call(app, "/simple/demo/", if_none_match=etag)
    assert response.status == "304 Not Modified"
    assert response.body == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("form", ['"other", {etag}', '{etag},"other"', "W/{etag}", "*"])
def test_if_none_match_lists_weak_tags_and_star_are_304(app, form):
    etag = call(app, "/simple/demo/").headers["ETag"]
    assert call(app, "/simple/demo/", if_none_match=form.format(etag=etag)).code == 304


def test_stale_if_none_match_gets_the_page(app):
    response = call(app, "/simple/demo/", if_none_match='"stale"')
    assert response.code == 200
    assert response.body == PAGES["simple/demo/index.html"]


def test_json_etag_does_not_validate_the_html_page(app):
    json_etag = call(app, "/simple/demo/", accept=JSON_V1).headers["ETag"]
    assert call(app, "/simple/demo/", if_none_match=json_etag).code == 200


def test_head_has_headers_but_no_body(app):
    get = call(app, "/simple/demo/")
    head = call(app, "/simple/demo/", method="HEAD")
    assert head.code == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_rewritten_page_is_served_at_once(app, storage):
    first = call(app, "/simple/demo/")
    storage.delete("simple/demo/index.html")
    storage.save("simple/demo/index.html", ContentFile(b"<html>demo, version two</html>"))
    if isinstance(storage, FileSystemStorage):
        # Guarantee a new stamp even on filesystems with coarse timestamps.
        full = storage.path("simple/demo/index.html")
        os.utime(full, ns=(os.stat(full).st_atime_ns, os.stat(full).st_mtime_ns + 10**9))
    second = call(app, "/simple/demo/")
    assert second.body == b"<html>demo, version two</html>"
    assert second.headers["ETag"] != first.headers["ETag"]


def test_removed_page_is_404(app, storage):
    call(app, "/simple/demo/")
    storage.delete("simple/demo/index.html")
    assert call(app, "/simple/demo/").code == 404


# -- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        (WHEEL, WHEEL_BYTES, "application/zip"),
        (SDIST, SDIST_BYTES, "application/gzip"),
        (f"{WHEEL}.metadata", METADATA_BYTES, "text/plain; charset=utf-8"),
    ],
)
def test_files_are_served_with_type_length_and_long_caching(app, name, data, content_type):
    response = call(app, f"/{name}")
    assert response.status == "200 OK"
    assert response.body == data
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Cache-Control"] == FILE_CACHE_CONTROL


def test_file_etag_names_the_content_and_differs_for_metadata(app):
    wheel = call(app, f"/{WHEEL}").headers["ETag"]
    metadata = call(app, f"/{WHEEL}.metadata").headers["ETag"]
    assert wheel == '"abcdef0123"'
    assert metadata != wheel


def test_file_if_none_match_is_304(app):
    etag = call(app, f"/{WHEEL}").headers["ETag"]
    response = call(app, f"/{WHEEL}", if_none_match=etag)
    assert response.status == "304 Not Modified"
    assert response.body == b""
    assert call(app, f"/{WHEEL}", if_none_match=f'"x", {etag}').code == 304


def test_file_head_has_length_but_no_body(app):
    response = call(app, f"/{WHEEL}", method="HEAD")
    assert response.code == 200
    assert response.body == b""
    assert response.headers["Content-Length"] == str(len(WHEEL_BYTES))


@pytest.mark.parametrize(
    "path",
    [
        "/packages/../secret.whl",
        "/packages/ab/../../secret.whl",
        "/packages/ab/cd/../secret.whl",
        "/packages/ab/cd/ef0123/../demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/./ef0123/demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/ef0123/.demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/.hidden/demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/ef0123/.tmp-abc",
        "/packages/ab/cd/ef0123/demo-1.0-py3-none-any.whl/x.whl",
        "/packages/ab/cd/demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/ef0123/demo.txt",
        "/packages/ab/cd/ef0123/",
        "/packages/ab//ef0123/demo-1.0-py3-none-any.whl",
        "/packages/ab\\cd/ef0123/demo-1.0-py3-none-any.whl",
        "/packages/ab/cd/ef0123/demo\x00.whl",
        "/packages/ab/cd/ef0123/missing-1.0-py3-none-any.whl",
        "/packages/",
    ],
)
def test_bad_or_missing_file_paths_are_404(app, storage, path):
    storage.save("secret.whl", ContentFile(b"secret"))
    storage.save("packages/ab/cd/ef0123/.demo-1.0-py3-none-any.whl", ContentFile(b"secret"))
    response = call(app, path)
    assert response.code == 404
    assert b"secret" not in response.body


def test_directory_is_not_a_file(app, storage):
    storage.save("packages/ab/cd/dir.whl/x/y", ContentFile(b"y"))
    assert call(app, "/packages/ab/cd/dir.whl/x").code == 404
    assert call(app, "/packages/ab/cd/ef0123/dir.whl").code == 404


# -- everything else goes to Django ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/simple/"),
        ("POST", "/simple/demo/"),
        ("PUT", f"/{WHEEL}"),
        ("DELETE", f"/{WHEEL}"),
        ("OPTIONS", "/simple/demo/"),
        ("POST", "/legacy/"),
        ("GET", "/pypi/demo/json"),
        ("GET", "/"),
        ("GET", "/simplefoo"),
        ("GET", "/simple-extra/"),
        ("GET", "/packagesx/ab/cd/ef/demo.whl"),
        ("GET", "/tuf"),  # /tuf/… is the read path's own (TUF metadata)
        ("POST", "/tuf/timestamp.json"),
    ],
)
def test_other_methods_and_paths_fall_through_to_django(app, inner, method, path):
    response = call(app, path, method=method)
    assert response.headers.get("X-Inner") == "django"
    assert response.body == b"from django"
    assert inner.calls == [(method, path)]


def test_read_path_serves_without_calling_django(app, inner):
    call(app, "/simple/demo/")
    call(app, "/simple/missing/")
    call(app, f"/{WHEEL}")
    call(app, "/simple/Demo")
    assert inner.calls == []


def test_removed_file_no_longer_answers_not_modified(tmp_path):
    """A client holding a removed file's ETag must learn it is gone, not get a 304."""
    from django.core.files.storage import FileSystemStorage

    from stockade.server.readpath import ReadPathApp

    name = "packages/ab/cd/" + "e" * 60 + "/demo-1.0-py3-none-any.whl"
    target = tmp_path / name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"wheel")
    app = ReadPathApp(lambda environ, start_response: [], FileSystemStorage(location=tmp_path))
    statuses: list[str] = []

    def start_response(status, headers):
        statuses.append(status)

    etag = '"abcd' + "e" * 60 + '"'
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/" + name, "HTTP_IF_NONE_MATCH": etag}
    list(app(dict(environ), start_response))
    target.unlink()
    list(app(dict(environ), start_response))
    assert statuses == ["304 Not Modified", "404 Not Found"]
