"""STOCKADE_STORAGE_URL: every accepted form, and a clear refusal for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from stockade.storage_backends import StockadeS3Storage
from stockade.storage_config import storage_backend_from_url

LOCAL = "stockade.storage_backends.AtomicFileSystemStorage"
S3 = "stockade.storage_backends.StockadeS3Storage"


@pytest.fixture(autouse=True)
def no_partial_credentials(aws_credentials) -> None:
    """Both credentials set, as in a working deployment (tests below change that on purpose)."""


def test_empty_url_means_the_default_directory(tmp_path: Path):
    backend = storage_backend_from_url("", tmp_path / "files")
    assert backend == {
        "BACKEND": LOCAL,
        "OPTIONS": {"location": str(tmp_path / "files"), "file_permissions_mode": 0o644},
    }
    assert (tmp_path / "files").is_dir()


@pytest.mark.parametrize("form", ["file://{path}", "file://localhost{path}"])
def test_file_url_names_an_absolute_directory(tmp_path: Path, form: str):
    target = tmp_path / "some where" / "files"
    url = form.format(path=str(target).replace(" ", "%20"))
    backend = storage_backend_from_url(url, tmp_path / "unused")
    assert backend["BACKEND"] == LOCAL
    assert backend["OPTIONS"]["location"] == str(target)
    assert target.is_dir()
    assert not (tmp_path / "unused").exists()


def test_s3_url_with_bucket_only(tmp_path: Path):
    backend = storage_backend_from_url("s3://packages", tmp_path)
    assert backend["BACKEND"] == S3
    options = backend["OPTIONS"]
    assert options["bucket_name"] == "packages"
    assert options["location"] == ""
    assert options["file_overwrite"] is True
    assert options["default_acl"] is None
    assert options["object_parameters"] == {}
    assert "endpoint_url" not in options
    assert not any(tmp_path.iterdir()), "S3 storage creates no local directory"


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("s3://packages/stockade", "stockade"),
        ("s3://packages/stockade/", "stockade"),
        ("s3://packages/team-a/prod.v2", "team-a/prod.v2"),
        ("s3://packages/", ""),
    ],
)
def test_s3_url_path_is_the_key_prefix(tmp_path: Path, url: str, prefix: str):
    assert storage_backend_from_url(url, tmp_path)["OPTIONS"]["location"] == prefix


def test_s3_url_with_every_option(tmp_path: Path):
    url = (
        "s3://packages/pfx?endpoint_url=http://127.0.0.1:9000&region_name=eu-west-3"
        "&addressing_style=path&signature_version=s3v4"
    )
    options = storage_backend_from_url(url, tmp_path)["OPTIONS"]
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "eu-west-3"
    assert options["addressing_style"] == "path"
    assert options["signature_version"] == "s3v4"


@pytest.mark.parametrize("style", ["auto", "path", "virtual"])
def test_s3_storage_is_built_with_the_addressing_style(tmp_path: Path, style: str):
    url = f"s3://packages?endpoint_url=https://s3.example.com&addressing_style={style}"
    storage = StockadeS3Storage(**storage_backend_from_url(url, tmp_path)["OPTIONS"])
    assert storage.client_config.s3 == {"addressing_style": style}
    assert storage.client_config.connect_timeout == 5
    assert storage.bucket_name == "packages"
    assert storage.endpoint_url == "https://s3.example.com"
    assert storage.access_key == "testing"


def test_s3_url_accepts_no_credentials_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """boto3's own chain (profile, instance role) then supplies them."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert storage_backend_from_url("s3://packages", tmp_path)["BACKEND"] == S3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/files", "must start with file:// or s3://, not 'ftp'"),
        ("/srv/files", "must start with file:// or s3://"),
        ("gs://bucket", "must start with file:// or s3://, not 'gs'"),
        ("file://server/share", "names host 'server'"),
        ("file:relative/dir", "needs an absolute path"),
        ("file:///srv/files?mode=1", "takes no ?query"),
        ("file:///srv/files#x", "takes no ?query or #fragment"),
        ("s3://", "needs a bucket"),
        ("s3:/packages", "needs a bucket"),
        ("s3://packages:9000/x", "is not a bucket name"),
        ("s3://pack ages", "not a valid bucket name"),
        ("s3://pack!ages", "not a valid bucket name"),
        ("s3://packages/a//b", "prefix 'a//b' is not usable"),
        ("s3://packages/a/../b", "is not usable"),
        ("s3://packages/./b", "is not usable"),
        ("s3://packages/a b", "is not usable"),
        ("s3://packages#frag", "takes no #fragment"),
        ("s3://packages?bucket=x", "unknown options ['bucket']"),
        ("s3://packages?endpoint=http://x", "unknown options ['endpoint']"),
        ("s3://packages?region_name=a&region_name=b", "repeats options ['region_name']"),
        ("s3://packages?region_name=", "options ['region_name'] need a value"),
        ("s3://packages?endpoint_url=ftp://host", "must be an http:// or https:// URL"),
        ("s3://packages?endpoint_url=localhost:9000", "must be an http:// or https:// URL"),
        ("s3://packages?endpoint_url=http://", "must be an http:// or https:// URL"),
        ("s3://packages?endpoint_url=http://host:99999", "endpoint_url is not a valid URL"),
        ("s3://packages?endpoint_url=http://[::1", "endpoint_url is not a valid URL"),
        ("s3://packages?region_name=us east 1", "is not a region name"),
        ("s3://packages?addressing_style=sideways", "addressing_style must be one of"),
        ("s3://packages?signature_version=v2", "signature_version must be one of"),
        ("http://[::1", "is not a valid URL"),
    ],
)
def test_refuses_with_a_clear_message(tmp_path: Path, url: str, message: str):
    with pytest.raises(ImproperlyConfigured, match="STOCKADE_STORAGE_URL") as excinfo:
        storage_backend_from_url(url, tmp_path)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    "url",
    [
        "s3://AKIAEXAMPLE:hunter2-secret@packages/pfx",
        "s3://packages?endpoint_url=http://AKIAEXAMPLE:hunter2-secret@127.0.0.1:9000",
    ],
)
def test_refuses_credentials_in_the_url_without_repeating_them(tmp_path: Path, url: str):
    with pytest.raises(ImproperlyConfigured, match="must not carry credentials") as excinfo:
        storage_backend_from_url(url, tmp_path)
    assert "hunter2" not in str(excinfo.value)
    assert "AWS_SECRET_ACCESS_KEY" in str(excinfo.value)


@pytest.mark.parametrize(
    ("unset", "missing"),
    [
        ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_refuses_half_a_credential_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unset: str, missing: str
):
    monkeypatch.delenv(unset)
    with pytest.raises(ImproperlyConfigured, match=f"{missing} is not set"):
        storage_backend_from_url("s3://packages", tmp_path)
