"""Every validation rule, through ``POST /legacy/``: a 4xx that says what is wrong, and no trace.

Each test sends one bad upload and checks the status, that both the reason phrase (what twine
prints) and the body name the problem, and that no row and no stored file was left behind.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest
import trove_classifiers
from django.db import DatabaseError

from stockade.packaging.models import File
from tests.conftest import basic_auth
from tests.distributions import Dist
from tests.upload.checks import (
    assert_refused,
    assert_valid_reason_phrase,
    build_tar_gz,
    build_zip,
    tar_entry,
)

pytestmark = pytest.mark.django_db

DIST = Dist("demo")
DIST_INFO = f"{DIST.stem}.dist-info"
DEPRECATED_CLASSIFIER = next(iter(trove_classifiers.deprecated_classifiers))


@pytest.fixture
def refused(upload, owner_token, snapshot_state):
    """Upload as the owner, assert the refusal, and assert that nothing was written."""

    def _refused(status: int, *phrases: str, dist: Dist = DIST, **kwargs):
        state = snapshot_state()
        response = upload(owner_token, dist, **kwargs)
        assert_refused(response, status, *phrases)
        state.assert_unchanged()
        return response

    return _refused


def _wheel_with(*members: tuple[str, bytes], drop: str = "", compression=zipfile.ZIP_DEFLATED):
    base = [
        ("demo/__init__.py", b"VALUE = 1\n"),
        (f"{DIST_INFO}/METADATA", DIST.metadata_text().encode()),
        (f"{DIST_INFO}/WHEEL", b"Wheel-Version: 1.0\nTag: py3-none-any\n"),
    ]
    kept = [m for m in base if not (drop and m[0].endswith(drop))]
    return build_zip([*kept, *members], compression=compression)


# The form and the protocol


def test_upload_rejects_missing_action(refused):
    refused(400, "Missing or unknown ':action'", drop=(":action",))


def test_upload_rejects_register_action(refused):
    refused(400, "'submit' action is not supported", fields={":action": "submit"})


def test_upload_rejects_unknown_protocol_version(refused):
    refused(400, "Unknown protocol_version '2'", fields={"protocol_version": "2"})


def test_upload_rejects_form_without_a_file(client, owner_token, snapshot_state):
    state = snapshot_state()
    form = DIST.form_fields("bdist_wheel")
    response = client.post("/legacy/", form, HTTP_AUTHORIZATION=basic_auth(owner_token))
    assert_refused(response, 400, "No file was sent", "'content' file field")
    state.assert_unchanged()


def test_upload_rejects_empty_file(refused):
    refused(400, "The uploaded file is empty", content=b"")


def test_upload_rejects_body_that_is_not_a_form(client, owner_token):
    response = client.post(
        "/legacy/",
        b"garbage",
        content_type="multipart/form-data; boundary=xyz",
        HTTP_AUTHORIZATION=basic_auth(owner_token),
    )
    assert_refused(response, 400, "No file was sent")


def test_upload_rejects_unparsable_content_length(client, owner_token):
    response = client.post(
        "/legacy/", {}, HTTP_AUTHORIZATION=basic_auth(owner_token), CONTENT_LENGTH="lots"
    )
    assert_refused(response, 400, "Content-Length")


def test_upload_rejects_nul_character_in_a_field(refused):
    refused(400, "'summary' field contains a NUL character", fields={"summary": "a\x00b"})


def test_upload_with_nul_in_user_agent_is_stored_without_it(client, owner_token):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = DIST.form_fields("bdist_wheel")
    form["sha256_digest"] = hashlib.sha256(DIST.wheel()).hexdigest()
    form["content"] = SimpleUploadedFile(DIST.wheel_filename, DIST.wheel())
    response = client.post(
        "/legacy/",
        form,
        HTTP_AUTHORIZATION=basic_auth(owner_token),
        HTTP_USER_AGENT="twine/6.0\x00evil",
    )
    assert response.status_code == 200, response.content
    assert File.objects.get().uploaded_via == "twine/6.0evil"


# Metadata


@pytest.mark.parametrize(
    ("fields", "phrases"),
    [
        ({"metadata_version": "3.0"}, ["'3.0' is not a valid metadata version"]),
        (
            {"metadata_version": "1.0", "classifiers": [], "description_content_type": ""},
            ["requires-python introduced in metadata version 1.2, not 1.0"],
        ),
        (
            {"metadata_version": "2.4", "license_expression": "Not A License"},
            ["'Not A License' is invalid for 'license-expression'"],
        ),
        ({"license_expression": "MIT"}, ["license-expression introduced in metadata version 2.4"]),
        ({"version": "1.0+local"}, ["local part ('+local')", "local versions cannot be uploaded"]),
        ({"version": "banana"}, ["'banana' is invalid for 'version'"]),
        ({"name": "-demo-"}, ["'-demo-' is invalid for 'name'"]),
        ({"classifiers": ["Nope :: Nope"]}, ["'Nope :: Nope' is not a valid classifier"]),
        ({"classifiers": [DEPRECATED_CLASSIFIER]}, ["is deprecated"]),
        ({"summary": "x" * 513}, ["summary is 513 characters long; at most 512"]),
        ({"summary": "one\ntwo"}, ["'summary' must be a single line"]),
        ({"home_page": "example.test"}, ["Home-page 'example.test' is not a valid URL"]),
        ({"download_url": "ftp://x.test/a"}, ["Download-URL 'ftp://x.test/a' is not a valid URL"]),
        (
            {"project_urls": ["Source, javascript:alert(1)"]},
            ["Project-URL 'Source' 'javascript:alert(1)' is not a valid URL"],
        ),
        ({"project_urls": ["https://x.test"]}, ["Invalid Project-URL", "'Label, https://"]),
        ({"requires_dist": ["foo;;"]}, ["'foo;;' is invalid for 'requires-dist'"]),
        ({"description_content_type": "text/html"}, ["must be one of"]),
        ({"name": "x" * 201}, ["'name' field is 201 characters long; at most 200"]),
    ],
)
def test_upload_rejects_invalid_metadata(refused, fields, phrases):
    refused(400, *phrases, fields=fields)


def test_upload_rejects_missing_metadata_version(refused):
    refused(400, "'metadata_version' is missing", drop=("metadata_version",))


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4"])
def test_upload_accepts_every_metadata_version(upload, owner_token, version):
    fields = {"metadata_version": version}
    if version in {"1.0", "1.1"}:
        fields["requires_python"] = ""
    if version == "1.0":
        fields["classifiers"] = []
    if version == "2.4":
        fields["license_expression"] = "MIT"
    if version < "2.1":
        fields["description_content_type"] = ""
        fields["description"] = "Plain *rst* text."
    response = upload(owner_token, DIST, fields=fields)
    assert response.status_code == 200, response.content


def test_upload_rejects_name_that_disagrees_with_the_filename(refused):
    refused(400, "is for project 'demo', but the metadata names 'other'", fields={"name": "other"})


def test_upload_rejects_version_that_disagrees_with_the_filename(refused):
    refused(400, "is for version 1.0, but the metadata says 2.0", fields={"version": "2.0"})


# Digests


def test_upload_accepts_only_an_md5_digest_that_matches(upload, owner_token):
    md5 = hashlib.md5(DIST.wheel(), usedforsecurity=False).hexdigest()
    response = upload(owner_token, DIST, fields={"md5_digest": md5}, drop=("sha256_digest",))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("field", ["md5_digest", "sha256_digest", "blake2_256_digest"])
def test_upload_rejects_digest_that_does_not_match_the_bytes(refused, field):
    refused(400, f"The {field} you sent does not match", fields={field: "ab" * 16})


def test_upload_rejects_upload_without_any_digest(refused):
    refused(400, "No digest was sent", "sha256_digest", drop=("sha256_digest",))


def test_upload_rejects_one_wrong_digest_among_right_ones(refused):
    refused(400, "blake2_256_digest you sent", fields={"blake2_256_digest": "00" * 32})


# Filenames


def test_upload_rejects_wheel_with_a_machine_specific_platform_tag(refused):
    refused(
        400,
        "unsupported platform tag 'linux_x86_64'",
        "manylinux",
        filename="demo-1.0-cp311-cp311-linux_x86_64.whl",
    )


def test_upload_accepts_manylinux_wheel(upload, owner_token):
    response = upload(owner_token, DIST, filename="demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("filename", "phrase"),
    [
        ("demo-1.0-py3.11.egg", "Eggs are no longer accepted"),
        ("demo-1.0.win-amd64.exe", "Windows installers are not accepted"),
        ("demo-1.0.zip", "Source distributions must be .tar.gz files"),
        ("demo-1.0.txt", "Invalid file extension"),
        ("Demo-1.0.tar.gz", "is not normalized (PEP 625)"),
        ("demo.whl", "Invalid wheel filename"),
    ],
)
def test_upload_rejects_filename_that_is_not_a_wheel_or_pep_625_sdist(refused, filename, phrase):
    refused(400, phrase, kind="sdist", filename=filename)


def test_upload_rejects_filetype_that_does_not_match_the_file(refused):
    refused(
        400, "filetype 'sdist' does not match", "is a bdist_wheel", fields={"filetype": "sdist"}
    )


def test_upload_rejects_filename_with_non_latin1_characters_with_a_valid_reason(refused):
    response = refused(400, "Invalid file extension", filename="\u0434\u044d\u043c\u043e-1.0.txt")
    assert "\u0434\u044d\u043c\u043e" in response.content.decode()


def test_upload_error_naming_a_unicode_project_still_has_a_latin1_reason(refused):
    name = "\u043f\u0430\u043a\u0435\u0442\U0001f4e6"
    response = refused(400, "is invalid for 'name'", fields={"name": name})
    assert name in response.content.decode("utf-8")
    assert_valid_reason_phrase(response)
    assert "\n" not in response.reason_phrase


def test_upload_error_quoting_control_characters_has_a_printable_reason(refused):
    dist = Dist("demo", description=".. unknown:: \x1b[2Jboom\n", description_content_type="")
    response = refused(400, "Unknown directive type", dist=dist)
    assert "\x1b" not in response.reason_phrase


# Archives


def test_upload_rejects_sdist_with_two_top_directories(refused):
    content = DIST.sdist() + b""
    data = build_tar_gz(
        [(f"{DIST.stem}/PKG-INFO", DIST.metadata_text().encode()), ("other/setup.py", b"")]
    )
    assert content
    refused(
        400, "outside its top directory", "exactly one top directory", kind="sdist", content=data
    )


def test_upload_rejects_sdist_without_pkg_info(refused):
    data = build_tar_gz([(f"{DIST.stem}/setup.py", b"")])
    refused(400, "has no demo-1.0/PKG-INFO", kind="sdist", content=data)


@pytest.mark.parametrize("missing", ["WHEEL", "METADATA"])
def test_upload_rejects_wheel_without_dist_info_files(refused, missing):
    refused(400, f"has no {DIST_INFO}/{missing}", content=_wheel_with(drop=missing))


@pytest.mark.parametrize("name", ["../evil.py", "/tmp/evil.py", "demo/../../evil.py"])
def test_upload_rejects_wheel_member_escaping_its_folder(refused, name):
    refused(400, "leaves the archive's folder", content=_wheel_with((name, b"x")))


def test_upload_rejects_sdist_member_escaping_its_folder(refused):
    data = DIST.sdist(extra_members={"../../evil.py": b"x"})
    refused(400, "leaves the archive's folder", kind="sdist", content=data)


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_upload_rejects_wheel_with_unsupported_compression(refused, compression):
    refused(400, "only stored and deflated", content=_wheel_with(compression=compression))


def test_upload_rejects_wheel_with_duplicate_member_names(refused):
    evil = (f"{DIST_INFO}/METADATA", b"Metadata-Version: 2.1\nName: evil\nVersion: 6\n")
    refused(400, "two members named", content=_wheel_with(evil))


def test_upload_rejects_wheel_over_the_unpacked_size_limit(refused, settings):
    settings.STOCKADE_MAX_UNPACKED_SIZE = 50_000
    data = DIST.wheel(extra_members={"demo/big.bin": b"\0" * 60_000})
    refused(400, "unpack to more than 50000 bytes", content=data)


def test_upload_rejects_wheel_compression_bomb(refused, settings):
    settings.STOCKADE_MAX_COMPRESSION_RATIO = 100
    data = DIST.wheel(extra_members={"demo/zeros.bin": b"\0" * (2 * 1024 * 1024)})
    refused(400, "expands more than 100 times", "compression bomb", content=data)


def test_upload_rejects_sdist_compression_bomb(refused, settings):
    settings.STOCKADE_MAX_COMPRESSION_RATIO = 100
    data = DIST.sdist(extra_members={"zeros.bin": b"\0" * (2 * 1024 * 1024)})
    refused(400, "compression bomb", kind="sdist", content=data)


def test_upload_rejects_archive_with_too_many_members(refused, settings):
    settings.STOCKADE_MAX_ARCHIVE_MEMBERS = 3
    refused(400, "more than 3 members", kind="sdist")


def test_upload_rejects_sdist_symlink_pointing_outside(refused):
    link = tar_entry(f"{DIST.stem}/passwd", tarfile.SYMTYPE, linkname="/etc/passwd")
    data = build_tar_gz([(f"{DIST.stem}/PKG-INFO", DIST.metadata_text().encode()), link])
    refused(400, "links outside the archive", kind="sdist", content=data)


def test_upload_rejects_sdist_with_a_device_file(refused):
    device = tar_entry(f"{DIST.stem}/null", tarfile.CHRTYPE)
    data = build_tar_gz([(f"{DIST.stem}/PKG-INFO", DIST.metadata_text().encode()), device])
    refused(400, "is a device, FIFO or other special file", kind="sdist", content=data)


def test_upload_rejects_wheel_that_is_not_a_zip(refused):
    refused(400, "The wheel is not a valid zip file", content=b"definitely not a zip")


def test_upload_rejects_truncated_sdist(refused):
    refused(400, "the file is truncated", kind="sdist", content=DIST.sdist()[:-50])


def test_upload_rejects_sdist_with_a_second_gzip_member(refused):
    hidden = build_tar_gz([(f"{DIST.stem}/evil.py", b"import os")])
    refused(
        400, "data after the end of its gzip stream", kind="sdist", content=DIST.sdist() + hidden
    )


def test_upload_rejects_wheel_metadata_naming_another_project(refused):
    data = DIST.wheel(metadata=Dist("other").metadata_text())
    refused(400, "METADATA inside the archive names project 'other'", content=data)


def test_upload_rejects_sdist_pkg_info_with_another_version(refused):
    data = DIST.sdist(pkg_info=Dist("demo", version="2.0").metadata_text())
    refused(400, "PKG-INFO inside the archive says version '2.0'", kind="sdist", content=data)


def test_upload_rejects_archive_metadata_without_a_version(refused):
    data = DIST.wheel(metadata="Metadata-Version: 2.1\nName: demo\n")
    refused(400, "METADATA file inside the archive lacks Name or Version", content=data)


def test_upload_rejects_wheel_with_unsupported_wheel_version(refused):
    data = _wheel_with(drop="WHEEL") and build_zip(
        [
            (f"{DIST_INFO}/METADATA", DIST.metadata_text().encode()),
            (f"{DIST_INFO}/WHEEL", b"Wheel-Version: 2.0\n"),
        ]
    )
    refused(400, "Unsupported Wheel-Version '2.0'", content=data)


# Size limits


def test_upload_rejects_file_over_the_file_size_limit(refused, settings):
    settings.STOCKADE_MAX_FILE_SIZE = 100
    refused(413, "the limit is 100 bytes", "STOCKADE_MAX_FILE_SIZE")


def test_upload_rejects_request_declaring_more_than_the_limit(client, owner_token, settings):
    settings.STOCKADE_MAX_FILE_SIZE = 100
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(
        "/legacy/",
        {"content": io.BytesIO(b"x" * 1000)},
        HTTP_AUTHORIZATION=basic_auth(owner_token),
    )
    assert_refused(response, 413, "files may be at most 100 bytes")


def test_upload_rejects_file_that_grows_the_project_past_its_limit(
    upload, owner_token, settings, snapshot_state
):
    first = upload(owner_token, DIST)
    assert first.status_code == 200
    settings.STOCKADE_MAX_PROJECT_SIZE = File.objects.get().size + 100
    state = snapshot_state()
    response = upload(owner_token, DIST, kind="sdist")
    assert_refused(response, 413, "would grow past its size limit", "STOCKADE_MAX_PROJECT_SIZE")
    state.assert_unchanged()


def test_default_size_limits_are_100_mib_a_file_and_10_gib_a_project():
    from django.conf import settings

    assert settings.STOCKADE_MAX_FILE_SIZE == 100 * 1024**2
    assert settings.STOCKADE_MAX_PROJECT_SIZE == 10 * 1024**3


def test_upload_rejects_digest_with_non_ascii_characters(refused):
    refused(400, "The md5_digest you sent does not match", fields={"md5_digest": "\u00e9" * 32})


# Nothing half-written


def test_failure_while_recording_rows_leaves_no_blob_and_no_row(
    upload, owner_token, snapshot_state, monkeypatch
):
    def fail(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr("stockade.upload.services._create_file", fail)
    state = snapshot_state()
    with pytest.raises(DatabaseError):
        upload(owner_token, DIST)
    state.assert_unchanged()
    assert not state.new_files()
