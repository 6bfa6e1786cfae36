"""Package storage in an S3 bucket: the quick start with ``STOCKADE_STORAGE_URL=s3://…``.

The bucket is moto's S3 server on 127.0.0.1, reached by the real ``stockade serve`` over HTTP as
it would reach AWS or MinIO. Every byte pip receives must come from the bucket: nothing may land
in the data directory's ``files`` folder.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributions import Dist
from tests.e2e.harness import BIN, RunningIndex, make_venv, run, start_index
from tests.storage.s3server import ACCESS_KEY, SECRET_KEY, S3Endpoint, start_s3_endpoint

PREFIX = "stockade"
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[S3Endpoint]:
    endpoint = start_s3_endpoint()
    yield endpoint
    endpoint.stop()


def _start_s3_index(data_dir: Path, storage_url: str) -> RunningIndex:
    return start_index(
        data_dir,
        STOCKADE_STORAGE_URL=storage_url,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    )


@pytest.fixture(scope="module")
def bucket(s3_endpoint: S3Endpoint) -> str:
    return s3_endpoint.create_bucket()


@pytest.fixture(scope="module")
def s3_index(
    tmp_path_factory: pytest.TempPathFactory, s3_endpoint: S3Endpoint, bucket: str
) -> Iterator[RunningIndex]:
    running = _start_s3_index(
        tmp_path_factory.mktemp("s3-index"), s3_endpoint.storage_url(bucket, PREFIX)
    )
    yield running
    running.close()


def _get(url: str, accept: str = "text/html") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _object(s3_endpoint: S3Endpoint, bucket: str, name: str) -> bytes:
    response = s3_endpoint.client().get_object(Bucket=bucket, Key=f"{PREFIX}/{name}")
    return response["Body"].read()


def test_twine_upload_then_pip_install_from_s3(
    s3_index: RunningIndex, s3_endpoint: S3Endpoint, bucket: str, client_env, tmp_path: Path
):
    s3_index.create_user("s3user")
    token = s3_index.create_token("s3user")
    dist = Dist("in-the-bucket", module_body="VALUE = 'from s3'\n")
    wheel, sdist = dist.write(tmp_path / "dist")
    run(
        [
            str(BIN / "twine"),
            "upload",
            "--repository-url",
            s3_index.upload_url,
            "-u",
            "__token__",
            "-p",
            token,
            str(wheel),
            str(sdist),
        ],
        env=client_env,
    )

    keys = s3_endpoint.keys(bucket)
    stored = {key.rsplit("/", 1)[-1] for key in keys if key.startswith(f"{PREFIX}/packages/")}
    assert stored == {wheel.name, f"{wheel.name}.metadata", sdist.name}
    for page in ("index.html", "index.json"):
        assert f"{PREFIX}/simple/in-the-bucket/{page}" in keys
        assert f"{PREFIX}/simple/{page}" in keys
    assert all(key.startswith(f"{PREFIX}/") for key in keys)
    files_dir = s3_index.data_dir / "files"
    assert not files_dir.exists() or not any(files_dir.rglob("*")), "nothing stored locally"

    python = make_venv(tmp_path / "venv")
    for target in ("in-the-bucket", "--no-binary=:all: in-the-bucket"):
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--force-reinstall",
                "--no-cache-dir",
                "--index-url",
                s3_index.simple_url,
                *target.split(),
            ],
            env=client_env,
        )
        result = run([str(python), "-c", "import in_the_bucket; print(in_the_bucket.VALUE)"])
        assert result.stdout.strip() == "from s3"


def test_pages_and_metadata_are_the_bytes_in_the_bucket(
    s3_index: RunningIndex, s3_endpoint: S3Endpoint, bucket: str
):
    page_url = f"{s3_index.simple_url}in-the-bucket/"
    status, headers, body = _get(page_url, JSON)
    assert status == 200
    assert body == _object(s3_endpoint, bucket, "simple/in-the-bucket/index.json")
    assert headers["Content-Length"] == str(len(body))

    wheel = next(f for f in json.loads(body)["files"] if f["filename"].endswith(".whl"))
    assert wheel["core-metadata"]
    metadata_url = urllib.parse.urljoin(page_url, wheel["url"]) + ".metadata"
    status, headers, metadata = _get(metadata_url)
    assert status == 200
    stored_name = urllib.parse.urlsplit(metadata_url).path.lstrip("/")
    assert metadata == _object(s3_endpoint, bucket, stored_name)
    assert metadata.startswith(b"Metadata-Version:")
    assert headers["Content-Type"].startswith("text/plain")

    status, _, _ = _get(urllib.parse.urljoin(page_url, wheel["url"]).replace(".whl", "-9.9.whl"))
    assert status == 404


def test_a_page_changed_in_the_bucket_is_served_at_once(
    s3_index: RunningIndex, s3_endpoint: S3Endpoint, bucket: str
):
    """Another node rewriting a page is seen on the next request: no stale in-process copy."""
    key = f"{PREFIX}/simple/in-the-bucket/index.html"
    original = _object(s3_endpoint, bucket, "simple/in-the-bucket/index.html")
    page_url = f"{s3_index.simple_url}in-the-bucket/"
    assert _get(page_url)[2] == original
    client = s3_endpoint.client()
    client.put_object(Bucket=bucket, Key=key, Body=b"<html>rewritten elsewhere</html>")
    try:
        assert _get(page_url)[2] == b"<html>rewritten elsewhere</html>"
    finally:
        client.put_object(Bucket=bucket, Key=key, Body=original, ContentType="text/html")
    assert _get(page_url)[2] == original


def test_an_unreachable_store_answers_503(tmp_path: Path):
    """Storage that goes away after start-up gives a clear 503, never a 500 or a hang."""
    endpoint = start_s3_endpoint()
    try:
        bucket = endpoint.create_bucket()
        index = _start_s3_index(tmp_path / "index", endpoint.storage_url(bucket))
    finally:
        endpoint.stop()
    try:
        for url in (index.simple_url, f"{index.url}/packages/ab/cd/ef/gone-1.0.tar.gz"):
            status, headers, body = _get(url)
            assert status == 503, body
            assert b"Package storage is unavailable" in body
            assert headers["Retry-After"]
    finally:
        index.close()
