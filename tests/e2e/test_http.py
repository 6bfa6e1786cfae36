"""The simple API and the JSON API over real HTTP, as installers and tools see them."""

from __future__ import annotations

import hashlib
import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.distributions import Dist
from tests.e2e.clients import Reply, fetch, resolve, twine_upload
from tests.e2e.harness import RunningIndex, isolated_client_env

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{JSON_V1}, {HTML_V1}; q=0.1, text/html; q=0.01"
PROJECT = "Http_Demo"  # the metadata's spelling; normalized "http-demo"
DISPLAY = "Http-Demo"  # what twine sends as the name (its "safe name")


@pytest.fixture(scope="module")
def dists(index: RunningIndex, tmp_path_factory) -> dict[str, bytes]:
    index.create_user("httpuser")
    token = index.create_token("httpuser")
    directory = tmp_path_factory.mktemp("dist")
    files: list[Path] = []
    for version in ("1.0", "1.1"):
        files += Dist(
            PROJECT, version=version, requires_python=">=3.8,<4", summary="HTTP <demo> & co"
        ).write(directory / version)
    twine_upload(index, token, *files, env=isolated_client_env())
    return {f.name: f.read_bytes() for f in files}


def page_url(index: RunningIndex, project: str = "http-demo") -> str:
    return f"{index.simple_url}{project}/"


def json_page(index: RunningIndex) -> dict:
    reply = fetch(page_url(index), headers={"Accept": JSON_V1})
    assert reply.status == 200
    return reply.json()


# -- simple project page --------------------------------------------------------------------


def test_json_page_has_pep_691_700_714_fields(index, dists):
    reply = fetch(page_url(index), headers={"Accept": JSON_V1})
    assert reply.headers["Content-Type"] == JSON_V1
    page = reply.json()
    major, minor = map(int, page["meta"]["api-version"].split("."))
    assert (major, minor) >= (1, 1)
    assert page["name"] == "http-demo"
    assert page["versions"] == ["1.0", "1.1"]
    assert {f["filename"] for f in page["files"]} == set(dists)
    for item in page["files"]:
        data = dists[item["filename"]]
        assert item["size"] == len(data)
        assert item["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", item["upload-time"])
        assert item["requires-python"] == "<4,>=3.8" or item["requires-python"] == ">=3.8,<4"
        assert item["yanked"] is False
        assert "core-metadata" in item
        assert item["dist-info-metadata"] == item["core-metadata"]
        if item["filename"].endswith(".whl"):
            assert set(item["core-metadata"]) == {"sha256"}


def test_files_are_served_with_type_length_and_advertised_hash(index, dists):
    types = {".whl": "application/zip", ".tar.gz": "application/gzip"}
    for item in json_page(index)["files"]:
        url = resolve(page_url(index), item["url"])
        assert urlsplit(url).path.startswith("/packages/")
        reply = fetch(url)
        assert reply.status == 200
        assert reply.body == dists[item["filename"]]
        assert hashlib.sha256(reply.body).hexdigest() == item["hashes"]["sha256"]
        assert reply.headers["Content-Length"] == str(item["size"])
        suffix = ".whl" if item["filename"].endswith(".whl") else ".tar.gz"
        assert reply.headers["Content-Type"] == types[suffix]
        assert "immutable" in reply.headers["Cache-Control"]

        head = fetch(url, method="HEAD")
        assert head.status == 200
        assert head.body == b""
        assert head.headers["Content-Length"] == str(item["size"])


def test_metadata_file_hashes_to_the_advertised_digest(index, dists):
    wheels = [f for f in json_page(index)["files"] if f["filename"].endswith(".whl")]
    assert wheels
    for item in wheels:
        reply = fetch(resolve(page_url(index), item["url"]) + ".metadata")
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain")
        assert reply.headers["Content-Length"] == str(len(reply.body))
        assert hashlib.sha256(reply.body).hexdigest() == item["core-metadata"]["sha256"]
        text = reply.body.decode()
        assert f"Name: {PROJECT}" in text
        assert f"Version: {item['filename'].split('-')[1]}" in text


def test_html_page_carries_the_same_facts(index, dists):
    reply = fetch(page_url(index), headers={"Accept": "text/html"})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    html = reply.body.decode()
    assert '<meta name="pypi:repository-version" content="1.1">' in html
    for item in json_page(index)["files"]:
        anchor = re.search(rf'<a href="([^"]+)"([^>]*)>{re.escape(item["filename"])}</a>', html)
        assert anchor, item["filename"]
        assert anchor.group(1) == f"{item['url']}#sha256={item['hashes']['sha256']}"
        assert 'data-requires-python="&lt;4,&gt;=3.8"' in anchor.group(2) or (
            'data-requires-python="&gt;=3.8,&lt;4"' in anchor.group(2)
        )
        assert "data-yanked" not in anchor.group(2)
        if item["core-metadata"]:
            value = f"sha256={item['core-metadata']['sha256']}"
            assert f'data-core-metadata="{value}"' in anchor.group(2)
            assert f'data-dist-info-metadata="{value}"' in anchor.group(2)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "text/html; charset=utf-8"),
        ("text/html", "text/html; charset=utf-8"),
        (HTML_V1, HTML_V1),
        (JSON_V1, JSON_V1),
        (PIP_ACCEPT, JSON_V1),
        (f"{JSON_V1};q=0.1, text/html", "text/html; charset=utf-8"),
        (f"text/html;q=0.2, {JSON_V1};q=0.3", JSON_V1),
        ("application/vnd.pypi.simple.latest+json", JSON_V1),
        ("*/*", "text/html; charset=utf-8"),
    ],
)
def test_accept_header_negotiates_the_format(index, dists, accept, content_type):
    reply = fetch(page_url(index), headers={"Accept": accept} if accept else {})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Vary"] == "Accept"
    if content_type == JSON_V1:
        assert reply.json()["name"] == "http-demo"
    else:
        assert reply.body.startswith(b"<!DOCTYPE html>")


def test_format_query_parameter_overrides_accept(index, dists):
    for value in (JSON_V1, JSON_V1.replace("+", "%2B")):
        reply = fetch(f"{page_url(index)}?format={value}", headers={"Accept": "text/html"})
        assert reply.status == 200
        assert reply.headers["Content-Type"] == JSON_V1


def test_unacceptable_accept_is_406(index, dists):
    reply = fetch(page_url(index), headers={"Accept": "application/json"})
    assert reply.status == 406
    assert reply.headers["Vary"] == "Accept"
    assert JSON_V1.encode() in reply.body


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple/Http_Demo/", "/simple/http-demo/"),
        ("/simple/HTTP.demo/", "/simple/http-demo/"),
        ("/simple/http-demo", "/simple/http-demo/"),
        ("/simple", "/simple/"),
    ],
)
def test_non_normalized_page_urls_redirect(index, dists, path, location):
    reply = fetch(f"{index.url}{path}")
    assert reply.status == 301
    assert urlsplit(reply.headers["Location"]).path == location


def test_etag_revalidation_gives_304(index, dists):
    for accept in ("text/html", JSON_V1):
        first = fetch(page_url(index), headers={"Accept": accept})
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        again = fetch(page_url(index), headers={"Accept": accept, "If-None-Match": etag})
        assert again.status == 304
        assert again.body == b""
        assert again.headers["ETag"] == etag
        stale = fetch(page_url(index), headers={"Accept": accept, "If-None-Match": '"old"'})
        assert stale.status == 200


def test_head_on_a_page_matches_get(index, dists):
    get = fetch(page_url(index), headers={"Accept": JSON_V1})
    head = fetch(page_url(index), method="HEAD", headers={"Accept": JSON_V1})
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_unknown_project_and_file_are_404(index, dists):
    assert fetch(page_url(index, "no-such-project")).status == 404
    wheel = next(f for f in json_page(index)["files"] if f["filename"].endswith(".whl"))
    url = resolve(page_url(index), wheel["url"])
    assert fetch(url.replace("http_demo-", "other-")).status == 404
    # The HTTP server may resolve the dots; either way nothing outside /packages/ is served.
    escaped = fetch(f"{index.url}/packages/../simple/index.html")
    assert escaped.status in (301, 400, 404)
    assert b"Simple index" not in escaped.body


def test_one_connection_serves_many_requests(index, dists):
    """Clients keep connections alive: every response must leave the connection usable."""
    parts = urlsplit(index.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        etag = None
        for method, path, headers in [
            ("GET", "/simple/http-demo/", {}),
            ("GET", "/simple/http-demo/", {"Accept": JSON_V1}),
            ("HEAD", "/simple/http-demo/", {}),
            ("GET", "/simple/Http_Demo/", {}),
            ("GET", "/simple/http-demo/", {"Accept": "image/png"}),
            ("GET", "/simple/nothing/", {}),
            ("GET", "/pypi/http-demo/json", {}),
            ("GET", "/simple/http-demo/", {"If-None-Match": "ETAG"}),
        ]:
            if etag and headers.get("If-None-Match") == "ETAG":
                headers = {"If-None-Match": etag}
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            response.read()
            etag = etag or response.getheader("ETag")
            assert response.status in (200, 301, 304, 404, 406)
    finally:
        connection.close()


# -- project list ---------------------------------------------------------------------------


def test_project_list_in_both_formats(index, dists):
    html = fetch(index.simple_url)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'<a href="http-demo/">{DISPLAY}</a>' in html.body.decode()
    data = fetch(index.simple_url, headers={"Accept": JSON_V1})
    assert data.headers["Content-Type"] == JSON_V1
    document = data.json()
    assert document["meta"]["api-version"] == "1.1"
    assert {"name": DISPLAY} in document["projects"]


# -- JSON API -------------------------------------------------------------------------------


def _json_api(index: RunningIndex, path: str) -> Reply:
    return fetch(f"{index.url}/pypi/{path}")


def test_json_api_project_document_looks_like_pypi(index, dists):
    reply = _json_api(index, "http-demo/json")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    document = reply.json()
    assert set(document) >= {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    assert document["vulnerabilities"] == []
    assert isinstance(document["last_serial"], int)
    info = document["info"]
    assert info["name"] == DISPLAY
    assert info["version"] == "1.1"
    assert info["summary"] == "HTTP <demo> & co"
    assert info["requires_python"] in (">=3.8,<4", "<4,>=3.8")
    assert info["yanked"] is False
    assert info["yanked_reason"] is None
    assert info["classifiers"] == ["Programming Language :: Python :: 3"]
    assert info["description"].startswith("# Test package")
    assert info["description_content_type"] == "text/markdown"
    assert info["package_url"].endswith("/project/http-demo/")
    assert info["release_url"].endswith("/project/http-demo/1.1/")
    assert set(document["releases"]) == {"1.0", "1.1"}
    assert {u["filename"] for u in document["urls"]} == {
        "http_demo-1.1-py3-none-any.whl",
        "http_demo-1.1.tar.gz",
    }
    for version, files in document["releases"].items():
        assert {f["filename"] for f in files} == {
            f"http_demo-{version}-py3-none-any.whl",
            f"http_demo-{version}.tar.gz",
        }


def test_json_api_file_entries_have_digests_that_match_the_served_bytes(index, dists):
    document = _json_api(index, "http-demo/json").json()
    for item in document["urls"] + [f for fs in document["releases"].values() for f in fs]:
        data = dists[item["filename"]]
        assert item["digests"] == {
            "sha256": hashlib.sha256(data).hexdigest(),
            "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 - PyPI's field
            "blake2b_256": hashlib.blake2b(data, digest_size=32).hexdigest(),
        }
        assert item["md5_digest"] == item["digests"]["md5"]
        assert item["size"] == len(data)
        assert item["packagetype"] == (
            "bdist_wheel" if item["filename"].endswith(".whl") else "sdist"
        )
        assert item["yanked"] is False
        assert item["upload_time_iso_8601"].endswith("Z")
        served = fetch(item["url"])
        assert served.status == 200
        assert served.body == data


def test_json_api_release_document(index, dists):
    reply = _json_api(index, "http-demo/1.0/json")
    assert reply.status == 200
    document = reply.json()
    assert document["info"]["version"] == "1.0"
    assert document["vulnerabilities"] == []
    assert "releases" not in document
    assert {u["filename"] for u in document["urls"]} == {
        "http_demo-1.0-py3-none-any.whl",
        "http_demo-1.0.tar.gz",
    }
    # Any spelling of the version finds the release.
    assert _json_api(index, "http-demo/1.0.0/json").json()["info"]["version"] == "1.0"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("Http_Demo/json", "/pypi/http-demo/json"),
        ("HTTP.Demo/1.0/json", "/pypi/http-demo/1.0/json"),
    ],
)
def test_json_api_redirects_non_normalized_names(index, dists, path, location):
    reply = _json_api(index, path)
    assert reply.status == 301
    assert urlsplit(reply.headers["Location"]).path == location


@pytest.mark.parametrize("path", ["no-such-project/json", "http-demo/9.9/json", "nope/1.0/json"])
def test_json_api_unknown_project_or_version_is_404(index, dists, path):
    reply = _json_api(index, path)
    assert reply.status == 404
    assert reply.json()["message"]


def test_refused_upload_leaves_the_connection_usable(index):
    """A refusal sent before the body is read must not break the client's next request."""
    parts = urlsplit(index.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    boundary = "stockade-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="x-1.0.tar.gz"\r\n\r\n{"x" * 200_000}\r\n--{boundary}--\r\n'
    ).encode()
    try:
        connection.request(
            "POST",
            "/legacy/",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        refused = connection.getresponse()
        refused.read()
        assert refused.status == 401
        assert "API token" in refused.reason
        connection.request("GET", "/simple/", headers={"Accept": "text/html"})
        after = connection.getresponse()
        after.read()
        assert after.status == 200
    finally:
        connection.close()
