"""Package storage on S3, through ``blobs``, against a real (moto) S3 endpoint over HTTP."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from stockade.packaging import blobs
from stockade.storage_backends import StorageUnavailableError
from stockade.storage_config import storage_backend_from_url
from tests.storage.s3server import S3Endpoint, dead_endpoint_url

PREFIX = "index"
WHEEL = "packages/ab/cd/ef0123/demo-1.0-py3-none-any.whl"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _use_storage_url(settings, url: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": storage_backend_from_url(url, Path("unused")),
    }


@pytest.fixture(autouse=True)
def package_storage(settings, aws_credentials, s3_endpoint: S3Endpoint, bucket: str) -> str:
    """Replace the suite's local package storage with a bucket prefix on the moto server."""
    _use_storage_url(settings, s3_endpoint.storage_url(bucket, PREFIX))
    return bucket


def test_put_bytes_then_read_back(s3_endpoint: S3Endpoint, bucket: str):
    blobs.put_bytes("simple/demo/index.html", b"<html>demo</html>")
    assert blobs.read_bytes("simple/demo/index.html") == b"<html>demo</html>"
    assert s3_endpoint.keys(bucket) == ["index/simple/demo/index.html"]


def test_put_file_streams_a_large_file_in_parts(s3_endpoint: S3Endpoint, bucket: str):
    data = bytes(range(256)) * (9 * 4096)  # 9 MiB: above boto3's multipart threshold
    blobs.put_file(WHEEL, io.BytesIO(data))
    head = s3_endpoint.client().head_object(Bucket=bucket, Key=f"{PREFIX}/{WHEEL}")
    assert head["ContentLength"] == len(data)
    assert blobs.read_bytes(WHEEL) == data


def test_exists_and_delete(s3_endpoint: S3Endpoint, bucket: str):
    assert not blobs.exists(WHEEL)
    blobs.put_bytes(WHEEL, b"wheel")
    assert blobs.exists(WHEEL)
    blobs.delete(WHEEL)
    assert not blobs.exists(WHEEL)
    assert s3_endpoint.keys(bucket) == []


def test_delete_of_a_missing_object_is_fine():
    blobs.delete("packages/00/00/missing/none-1.0.tar.gz")
    blobs.delete("packages/00/00/missing/none-1.0.tar.gz")


def test_read_of_a_missing_object_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        blobs.read_bytes("simple/nothing/index.html")


def test_overwrite_replaces_the_object_under_the_same_key(s3_endpoint: S3Endpoint, bucket: str):
    blobs.put_bytes("simple/index.json", b'{"projects": []}')
    blobs.put_bytes("simple/index.json", b'{"projects": [{"name": "demo"}]}')
    assert blobs.read_bytes("simple/index.json") == b'{"projects": [{"name": "demo"}]}'
    assert s3_endpoint.keys(bucket) == ["index/simple/index.json"]


def test_local_path_is_none_on_s3():
    assert blobs.local_path(WHEEL) is None


@pytest.mark.parametrize(
    ("path", "content_type", "cache_control"),
    [
        (WHEEL, "application/zip", "public, max-age=31536000, immutable"),
        (
            "packages/ab/cd/ef/demo-1.0.tar.gz",
            "application/gzip",
            "public, max-age=31536000, immutable",
        ),
        (f"{WHEEL}.metadata", "text/plain; charset=utf-8", "public, max-age=31536000, immutable"),
        ("simple/demo/index.html", "text/html; charset=utf-8", "public, max-age=60"),
        ("simple/demo/index.json", "application/vnd.pypi.simple.v1+json", "public, max-age=60"),
    ],
)
def test_objects_carry_their_content_type_and_no_content_encoding(
    s3_endpoint: S3Endpoint, bucket: str, path: str, content_type: str, cache_control: str
):
    blobs.put_file(path, io.BytesIO(b"bytes"))
    head = s3_endpoint.client().head_object(Bucket=bucket, Key=f"{PREFIX}/{path}")
    assert head["ContentType"] == content_type
    assert head["CacheControl"] == cache_control
    # mimetypes calls .tar.gz "gzip-encoded tar"; stored with that, clients would unpack it.
    assert "ContentEncoding" not in head


def test_objects_are_private(s3_endpoint: S3Endpoint, bucket: str, settings):
    settings.AWS_DEFAULT_ACL = "public-read"  # a stray Django setting must not leak through
    settings.AWS_S3_OBJECT_PARAMETERS = {"ACL": "public-read"}
    blobs.put_bytes(WHEEL, b"wheel")
    grants = s3_endpoint.client().get_object_acl(Bucket=bucket, Key=f"{PREFIX}/{WHEEL}")["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]


def test_unreachable_store_raises_storage_unavailable(settings):
    _use_storage_url(settings, f"s3://packages?endpoint_url={dead_endpoint_url()}")
    with pytest.raises(StorageUnavailableError, match="Package storage is unavailable"):
        blobs.exists(WHEEL)
    with pytest.raises(StorageUnavailableError):
        blobs.put_bytes(WHEEL, b"wheel")
    with pytest.raises(StorageUnavailableError):
        blobs.delete(WHEEL)


def test_missing_bucket_raises_storage_unavailable(settings, s3_endpoint: S3Endpoint):
    _use_storage_url(settings, s3_endpoint.storage_url("no-such-bucket-here"))
    with pytest.raises(StorageUnavailableError):
        blobs.put_bytes(WHEEL, b"wheel")
