"""Distribution filenames: PEP 427 wheels with installable platform tags and PEP 625 sdists."""

from __future__ import annotations

import pytest
from packaging.version import Version

from stockade.upload.exceptions import InvalidFilenameError
from stockade.upload.filenames import parse_distribution_filename
from stockade.upload.platform_tags import is_valid_platform_tag


def test_wheel_filename_gives_normalized_name_and_version():
    dist = parse_distribution_filename("Hello_World-1.0.post1-py3-none-any.whl")
    assert dist.packagetype == "bdist_wheel"
    assert dist.name == "hello-world"
    assert dist.version == Version("1.0.post1")


def test_wheel_filename_with_build_tag_is_accepted():
    dist = parse_distribution_filename("demo-2.0-1-cp311-cp311-win_amd64.whl")
    assert (dist.name, dist.version) == ("demo", Version("2.0"))


def test_sdist_filename_gives_normalized_name_and_version():
    dist = parse_distribution_filename("hello_world-1.0.tar.gz")
    assert (dist.packagetype, dist.name, dist.version) == ("sdist", "hello-world", Version("1.0"))


@pytest.mark.parametrize(
    "platform",
    [
        "manylinux_2_17_x86_64",
        "manylinux2014_aarch64",
        "manylinux1_x86_64",
        "musllinux_1_2_x86_64",
        "macosx_11_0_arm64",
        "macosx_10_9_universal2",
        "win_amd64",
        "win32",
        "linux_armv7l",
        "any",
    ],
)
def test_wheel_with_installable_platform_tag_is_accepted(platform):
    parse_distribution_filename(f"demo-1.0-cp311-cp311-{platform}.whl")
    assert is_valid_platform_tag(platform)


@pytest.mark.parametrize("platform", ["linux_x86_64", "linux_aarch64", "manylinux_x86_64", "foo"])
def test_wheel_with_machine_specific_platform_tag_is_refused(platform):
    with pytest.raises(InvalidFilenameError, match="unsupported platform tag") as raised:
        parse_distribution_filename(f"demo-1.0-cp311-cp311-{platform}.whl")
    assert "manylinux" in raised.value.message
    assert not is_valid_platform_tag(platform)


def test_wheel_with_one_bad_tag_among_compressed_tags_is_refused():
    with pytest.raises(InvalidFilenameError, match="linux_x86_64"):
        parse_distribution_filename("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.linux_x86_64.whl")


@pytest.mark.parametrize(
    "filename",
    [
        "demo-1.0.whl",
        "demo-1.0-py3-none.whl",
        "demo-notaversion-py3-none-any.whl",
        "-1.0-py3-none-any.whl",
    ],
)
def test_malformed_wheel_filename_is_refused(filename):
    with pytest.raises(InvalidFilenameError, match="Invalid wheel filename"):
        parse_distribution_filename(filename)


@pytest.mark.parametrize(
    ("filename", "hint"),
    [
        ("demo-1.0-py3.11.egg", "Eggs are no longer accepted"),
        ("demo-1.0.win-amd64.exe", "Windows installers are not accepted"),
        ("demo-1.0.msi", "Windows installers are not accepted"),
        ("demo-1.0.zip", "must be .tar.gz"),
        ("demo-1.0.ZIP", "must be .tar.gz"),
        ("demo-1.0.tar.bz2", "must be .tar.gz"),
        ("demo-1.0.tgz", "must be .tar.gz"),
        ("demo-1.0.tar", "must be .tar.gz"),
    ],
)
def test_legacy_distribution_formats_are_refused_with_a_hint(filename, hint):
    with pytest.raises(InvalidFilenameError, match=hint):
        parse_distribution_filename(filename)


def test_unknown_extension_is_refused():
    with pytest.raises(InvalidFilenameError, match="Invalid file extension"):
        parse_distribution_filename("demo-1.0.txt")


@pytest.mark.parametrize(
    "filename", ["", "dir/demo-1.0.tar.gz", "..\\demo-1.0.tar.gz", ".demo-1.0.tar.gz"]
)
def test_filename_that_is_not_a_bare_name_is_refused(filename):
    with pytest.raises(InvalidFilenameError, match="bare file name"):
        parse_distribution_filename(filename)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Hello-World-1.0.tar.gz", "hello_world-1.0.tar.gz"),
        ("hello.world-1.0.tar.gz", "hello_world-1.0.tar.gz"),
        ("demo-1.0RC1.tar.gz", "demo-1.0rc1.tar.gz"),
    ],
)
def test_sdist_filename_must_be_normalized(filename, expected):
    with pytest.raises(InvalidFilenameError, match="not normalized") as raised:
        parse_distribution_filename(filename)
    assert expected in raised.value.message


def test_sdist_filename_without_version_is_refused():
    with pytest.raises(InvalidFilenameError, match="Invalid source distribution filename"):
        parse_distribution_filename("demo.tar.gz")


def test_filename_longer_than_the_database_allows_is_refused():
    with pytest.raises(InvalidFilenameError, match="characters long"):
        parse_distribution_filename("a" * 250 + "-1.0-py3-none-any.whl")
