"""Property-based fuzzing of ``POST /legacy/``: no input gives a 500 or leaves half-written state.

Two families of inputs: (a) the form, starting from a valid upload and replacing, dropping or
bloating random fields, the filename and the digests; (b) the file, as random bytes, damaged
real archives, and zips and tars built from random members (names with traversal, links,
devices, every compression method). For every example the answer is below 500 with a valid
reason phrase; a refusal leaves no row and no stored file, and an acceptance leaves both.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import basic_auth
from tests.distributions import Dist
from tests.upload.checks import (
    StateSnapshot,
    assert_accepted_completely,
    assert_valid_reason_phrase,
    build_zip,
)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DIST = Dist("fuzzed")
WHEEL, SDIST = DIST.wheel(), DIST.sdist()
DIST_INFO = f"{DIST.stem}.dist-info"

FORM_FIELDS = (
    ":action",
    "protocol_version",
    "metadata_version",
    "name",
    "version",
    "summary",
    "description",
    "description_content_type",
    "requires_python",
    "classifiers",
    "requires_dist",
    "provides_extra",
    "dynamic",
    "license",
    "license_expression",
    "license_file",
    "keywords",
    "home_page",
    "download_url",
    "project_urls",
    "author_email",
    "platform",
    "filetype",
    "pyversion",
    "md5_digest",
    "sha256_digest",
    "blake2_256_digest",
)
PLAUSIBLE_VALUES = (
    "",
    "1",
    "1.0",
    "2.4",
    "1.0+local",
    "fuzzed",
    "FUZZED",
    "file_upload",
    "submit",
    "bdist_wheel",
    "sdist",
    "text/x-rst",
    "text/markdown; variant=CommonMark",
    "MIT OR Apache-2.0",
    "Programming Language :: Python :: 3",
    "Source, https://example.test",
    "https://example.test",
    ">=3.8",
    "Name",
    ".. unknown:: x",
    ".. unknown:: \x1b[2J\x07\x85",
    "`broken",
)
HUGE_VALUES = st.builds(
    lambda char, count: char * count,
    st.sampled_from(["a", "\u00e9", "\u202e", "\x00", "\n", "\U0001f4e6", ",", "."]),
    st.integers(min_value=200, max_value=60_000),
)
TEXT_VALUES = st.one_of(
    st.sampled_from(PLAUSIBLE_VALUES), st.text(max_size=40), HUGE_VALUES, st.just("\x00")
)
FIELD_VALUES = st.one_of(TEXT_VALUES, st.lists(TEXT_VALUES, max_size=3))
DIGESTS = st.one_of(
    st.sampled_from(["", "0" * 64, "ZZ" * 32, hashlib.sha256(WHEEL).hexdigest()]),
    st.text(alphabet="0123456789abcdefABCDEF", max_size=128),
    st.text(max_size=70),
)
FILENAMES = st.one_of(
    st.sampled_from(
        [
            DIST.wheel_filename,
            DIST.sdist_filename,
            "fuzzed-1.0-cp311-cp311-linux_x86_64.whl",
            "fuzzed-1.0.zip",
            "../fuzzed-1.0.tar.gz",
            "fuzzed-1.0-py3-none-any.whl.exe",
            "\u0444\u0430\u0437\u0437-1.0.tar.gz",
            "a" * 300 + ".whl",
        ]
    ),
    st.text(max_size=60),
    st.builds(
        lambda stem, ext: stem + ext,
        st.text(alphabet="fuzed-_.019+!AZ\u00e9", max_size=40),
        st.sampled_from([".whl", ".tar.gz", ".egg", ""]),
    ),
)


@contextmanager
def rolled_back(snapshot: StateSnapshot):
    """Run one example and undo what it wrote, so every example starts from the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    for path in snapshot.new_files():
        (snapshot.root / path).unlink()


def check_outcome(response, snapshot: StateSnapshot) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 200:
        assert_accepted_completely(response, snapshot)
        return
    assert 400 <= response.status_code < 500, response.status_code
    assert_valid_reason_phrase(response)
    assert response.content.decode("utf-8").strip()
    snapshot.assert_unchanged()


def send(upload, token, snapshot_state, **kwargs) -> None:
    snapshot = snapshot_state()
    with rolled_back(snapshot):
        response = upload(token, DIST, **kwargs)
        check_outcome(response, snapshot)


# (a) The form


@FUZZ
@given(
    changes=st.dictionaries(
        st.sampled_from(FORM_FIELDS), st.one_of(st.none(), FIELD_VALUES), max_size=6
    ),
    kind=st.sampled_from(["wheel", "sdist"]),
)
def test_fuzzed_form_fields_never_cause_a_server_error(
    upload, owner_token, snapshot_state, changes, kind
):
    drop = tuple(k for k, v in changes.items() if v is None)
    fields = {k: v for k, v in changes.items() if v is not None}
    send(upload, owner_token, snapshot_state, kind=kind, fields=fields, drop=drop)


BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


def encode_multipart(fields: dict, filename: str, content: bytes) -> bytes:
    """A form as twine sends it, with the filename written as given (the test client would
    normalize it first)."""
    parts = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{item}\r\n".encode()
            )
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(
            "utf-8", "surrogatepass"
        )
        + content
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


@FUZZ
@given(
    filename=FILENAMES,
    kind=st.sampled_from(["wheel", "sdist"]),
    filetype=st.sampled_from(["bdist_wheel", "sdist", "bdist_egg", ""]),
)
def test_fuzzed_filenames_never_cause_a_server_error(
    client, owner_token, snapshot_state, filename, kind, filetype
):
    content = WHEEL if kind == "wheel" else SDIST
    fields = DIST.form_fields(filetype)
    fields["sha256_digest"] = hashlib.sha256(content).hexdigest()
    snapshot = snapshot_state()
    with rolled_back(snapshot):
        response = client.post(
            "/legacy/",
            encode_multipart(fields, filename, content),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            HTTP_AUTHORIZATION=basic_auth(owner_token),
        )
        check_outcome(response, snapshot)


@FUZZ
@given(
    digests=st.fixed_dictionaries(
        {},
        optional={
            "md5_digest": DIGESTS,
            "sha256_digest": DIGESTS,
            "blake2_256_digest": DIGESTS,
        },
    ),
)
def test_fuzzed_digests_never_cause_a_server_error(upload, owner_token, snapshot_state, digests):
    send(
        upload,
        owner_token,
        snapshot_state,
        fields=digests,
        drop=tuple({"sha256_digest"} - set(digests)),
    )


# (b) The archive

ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
MEMBER_NAMES = st.one_of(
    st.sampled_from(
        [
            f"{DIST_INFO}/METADATA",
            f"{DIST_INFO}/WHEEL",
            f"{DIST_INFO}/RECORD",
            f"{DIST.stem}/PKG-INFO",
            f"{DIST.stem}/setup.py",
            "fuzzed/__init__.py",
            "../evil.py",
            f"{DIST.stem}/../../evil.py",
            "/etc/passwd",
            "C:/evil.py",
            f"{DIST.stem}\\evil.py",
            f"{DIST.stem}/",
            "",
        ]
    ),
    st.text(min_size=1, max_size=30),
    st.builds(lambda name: f"{DIST.stem}/{name}", st.text(min_size=1, max_size=20)),
)
METADATA_TEXTS = st.one_of(
    st.just(DIST.metadata_text()),
    st.just(Dist("other").metadata_text()),
    st.just(Dist("fuzzed", version="2.0").metadata_text()),
    st.text(max_size=200),
)
MEMBER_DATA = st.one_of(
    st.binary(max_size=200),
    METADATA_TEXTS.map(str.encode),
    st.sampled_from([b"Wheel-Version: 1.0\n", b"Wheel-Version: 9.0\n", b"\0" * 300_000]),
)


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """A real archive, truncated or with some bytes overwritten."""
    data = bytearray(original)
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@FUZZ
@given(
    kind=st.sampled_from(["wheel", "sdist"]),
    content=st.one_of(st.binary(max_size=3000), damaged(WHEEL), damaged(SDIST)),
)
def test_random_and_damaged_archives_never_cause_a_server_error(
    upload, owner_token, snapshot_state, kind, content
):
    send(upload, owner_token, snapshot_state, kind=kind, content=content)


@FUZZ
@given(
    members=st.lists(st.tuples(MEMBER_NAMES, MEMBER_DATA), max_size=6),
    base=st.booleans(),
    compression=st.sampled_from(ZIP_METHODS),
)
def test_wheels_of_random_members_never_cause_a_server_error(
    upload, owner_token, snapshot_state, members, base, compression
):
    if base:
        members = [
            (f"{DIST_INFO}/METADATA", DIST.metadata_text().encode()),
            (f"{DIST_INFO}/WHEEL", b"Wheel-Version: 1.0\n"),
            *members,
        ]
    content = build_zip(members, compression=compression)
    send(upload, owner_token, snapshot_state, kind="wheel", content=content)


TAR_TYPES = (
    tarfile.REGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.CHRTYPE,
    tarfile.BLKTYPE,
    tarfile.FIFOTYPE,
)
LINK_TARGETS = st.one_of(
    st.sampled_from(["/etc/passwd", "../../x", "PKG-INFO", f"{DIST.stem}/PKG-INFO", ""]),
    st.text(max_size=20),
)


def build_fuzzed_sdist(members, tar_format) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tar_format) as archive:
        for name, kind, linkname, data in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = linkname
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return buffer.getvalue()


@FUZZ
@given(
    members=st.lists(
        st.tuples(MEMBER_NAMES, st.sampled_from(TAR_TYPES), LINK_TARGETS, MEMBER_DATA),
        max_size=6,
    ),
    base=st.booleans(),
    tar_format=st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT]),
)
def test_sdists_of_random_members_never_cause_a_server_error(
    upload, owner_token, snapshot_state, members, base, tar_format
):
    if base:
        pkg_info = DIST.metadata_text().encode()
        members = [(f"{DIST.stem}/PKG-INFO", tarfile.REGTYPE, "", pkg_info), *members]
    try:
        content = build_fuzzed_sdist(members, tar_format)
    except (ValueError, UnicodeEncodeError):
        content = SDIST  # tarfile cannot write this member; the real sdist is sent instead
    send(upload, owner_token, snapshot_state, kind="sdist", content=content)


def test_hand_encoded_form_is_accepted_so_the_filename_fuzz_reaches_the_rules(client, owner_token):
    fields = DIST.form_fields("bdist_wheel")
    fields["sha256_digest"] = hashlib.sha256(WHEEL).hexdigest()
    response = client.post(
        "/legacy/",
        encode_multipart(fields, DIST.wheel_filename, WHEEL),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        HTTP_AUTHORIZATION=basic_auth(owner_token),
    )
    assert response.status_code == 200, response.content
