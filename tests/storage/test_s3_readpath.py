"""The read path serving pages and files straight from an S3 bucket (moto over HTTP)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from stockade.server.readpath import _CHUNK, ReadPathApp
from stockade.storage_backends import StockadeS3Storage
from stockade.storage_config import storage_backend_from_url
from tests.storage.s3server import S3Endpoint, dead_endpoint_url

PREFIX = "pfx"
WHEEL = "packages/ab/cd/ef0123/demo-1.0-py3-none-any.whl"
PAGE = "simple/demo/index.html"
HTML = "text/html"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    chunks: list[bytes]

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def _django_app(environ, start_response):
    start_response("418 I'm a teapot", [])
    return [b"django"]


def call(app: ReadPathApp, path: str, method: str = "GET", **headers: str) -> Response:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "QUERY_STRING": ""}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    result = app(environ, start_response)
    chunks = list(result)  # runs the generator, as a WSGI server would
    getattr(result, "close", lambda: None)()
    return Response(seen["status"], seen["headers"], chunks)  # type: ignore[arg-type]


def _storage(url: str) -> StockadeS3Storage:
    return StockadeS3Storage(**storage_backend_from_url(url, Path("unused"))["OPTIONS"])


@pytest.fixture
def storage(aws_credentials, s3_endpoint: S3Endpoint, bucket: str) -> StockadeS3Storage:
    return _storage(s3_endpoint.storage_url(bucket, PREFIX))


@pytest.fixture
def app(storage: StockadeS3Storage) -> ReadPathApp:
    return ReadPathApp(_django_app, storage)


def _put(s3_endpoint: S3Endpoint, bucket: str, name: str, data: bytes) -> None:
    """Write as another process would: straight to the bucket, not through this app."""
    s3_endpoint.client().put_object(Bucket=bucket, Key=f"{PREFIX}/{name}", Body=data)


def test_serves_a_page_with_length_etag_and_304(app, s3_endpoint, bucket):
    _put(s3_endpoint, bucket, PAGE, b"<html>v1</html>")
    first = call(app, "/simple/demo/", accept=HTML)
    assert first.status == 200
    assert first.body == b"<html>v1</html>"
    assert first.headers["Content-Length"] == str(len(b"<html>v1</html>"))
    etag = first.headers["ETag"]
    again = call(app, "/simple/demo/", accept=HTML, if_none_match=etag)
    assert again.status == 304
    assert again.body == b""
    head = call(app, "/simple/demo/", "HEAD", accept=HTML)
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_a_page_replaced_by_another_process_is_served_at_once(app, s3_endpoint, bucket):
    _put(s3_endpoint, bucket, PAGE, b"<html>v1</html>")
    old = call(app, "/simple/demo/", accept=HTML)
    _put(s3_endpoint, bucket, PAGE, b"<html>v2, longer</html>")
    new = call(app, "/simple/demo/", accept=HTML, if_none_match=old.headers["ETag"])
    assert new.status == 200
    assert new.body == b"<html>v2, longer</html>"
    assert new.headers["ETag"] != old.headers["ETag"]


def test_an_unchanged_page_is_revalidated_without_its_body(app, storage, s3_endpoint, bucket):
    _put(s3_endpoint, bucket, PAGE, b"<html>v1</html>")
    results: list[object] = []
    fetch = storage.read_object_if_changed

    def spy(name: str, store_etag: str | None):
        results.append(fetch(name, store_etag))
        return results[-1]

    storage.read_object_if_changed = spy  # type: ignore[method-assign]
    bodies = {call(app, "/simple/demo/", accept=HTML).body for _ in range(3)}
    assert bodies == {b"<html>v1</html>"}
    assert results[0] is not None
    assert results[1:] == [None, None], "the store answered 304 on every revalidation"


def test_same_page_gets_the_same_etag_in_every_process(storage, s3_endpoint, bucket):
    _put(s3_endpoint, bucket, PAGE, b"<html>v1</html>")
    one = call(ReadPathApp(_django_app, storage), "/simple/demo/", accept=HTML)
    two = call(ReadPathApp(_django_app, storage), "/simple/demo/", accept=HTML)
    assert one.headers["ETag"] == two.headers["ETag"]


def test_a_deleted_page_is_404(app, s3_endpoint, bucket):
    _put(s3_endpoint, bucket, PAGE, b"<html>v1</html>")
    assert call(app, "/simple/demo/", accept=HTML).status == 200
    s3_endpoint.client().delete_object(Bucket=bucket, Key=f"{PREFIX}/{PAGE}")
    assert call(app, "/simple/demo/", accept=HTML).status == 404
    assert call(app, "/simple/other/", accept=HTML).status == 404


def test_streams_a_file_in_chunks(app, storage, s3_endpoint, bucket):
    data = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and a bit: several chunks
    storage.save(WHEEL, io.BytesIO(data))
    response = call(app, f"/{WHEEL}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["ETag"] == '"abcdef0123"'
    assert response.body == data
    assert len(response.chunks) > 1
    assert max(len(chunk) for chunk in response.chunks) <= _CHUNK


def test_file_head_and_304(app, storage):
    storage.save(f"{WHEEL}.metadata", io.BytesIO(b"Metadata-Version: 2.1\n"))
    head = call(app, f"/{WHEEL}.metadata", "HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(b"Metadata-Version: 2.1\n"))
    assert call(app, f"/{WHEEL}.metadata", if_none_match=head.headers["ETag"]).status == 304


def test_a_missing_file_is_404(app):
    assert call(app, f"/{WHEEL}").status == 404
    assert call(app, f"/{WHEEL}", "HEAD").status == 404


@pytest.mark.parametrize("path", ["/simple/", "/simple/demo/", f"/{WHEEL}"])
def test_an_unreachable_store_is_503(aws_credentials, path: str):
    app = ReadPathApp(_django_app, _storage(f"s3://packages?endpoint_url={dead_endpoint_url()}"))
    response = call(app, path, accept=HTML)
    assert response.status == 503
    assert b"Package storage is unavailable" in response.body
    assert response.headers["Retry-After"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_missing_bucket_is_503_not_404(aws_credentials, s3_endpoint):
    app = ReadPathApp(_django_app, _storage(s3_endpoint.storage_url("no-such-bucket-here")))
    assert call(app, "/simple/", accept=HTML).status == 503
    assert call(app, f"/{WHEEL}").status == 503


def test_other_routes_go_to_django(app):
    assert call(app, "/project/demo/").status == 418
