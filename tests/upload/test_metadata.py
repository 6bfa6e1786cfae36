"""Core metadata from the upload form: packaging's rules plus the index's own."""

from __future__ import annotations

import pytest
import trove_classifiers

from stockade.upload.exceptions import InvalidMetadataError
from stockade.upload.metadata import (
    MAX_SUMMARY_LENGTH,
    parse_archive_metadata,
    raw_metadata_from_form,
    validate_metadata,
)

DEPRECATED_CLASSIFIER = next(iter(trove_classifiers.deprecated_classifiers))


def validate(**fields: str | list[str]):
    form: dict[str, list[str]] = {"metadata_version": ["2.1"], "name": ["demo"], "version": ["1.0"]}
    form.update({k: [v] if isinstance(v, str) else v for k, v in fields.items()})
    return validate_metadata(raw_metadata_from_form(form))


def refusal(**fields: str | list[str]) -> str:
    with pytest.raises(InvalidMetadataError) as raised:
        validate(**fields)
    return raised.value.message


# Reading the form


def test_form_fields_map_to_core_metadata_and_empty_values_are_left_out():
    raw = raw_metadata_from_form(
        {
            "name": ["demo"],
            "summary": ["   "],
            "platform": ["linux", ""],
            "license_file": ["LICENSE"],
            "classifiers": ["A", "B"],
        }
    )
    assert raw == {
        "name": "demo",
        "platforms": ["linux"],
        "license_files": ["LICENSE"],
        "classifiers": ["A", "B"],
    }


def test_keywords_are_split_on_commas():
    raw = raw_metadata_from_form({"keywords": ["a, b,,c"]})
    assert raw["keywords"] == ["a", "b", "c"]


def test_project_urls_are_read_as_label_and_url():
    raw = raw_metadata_from_form(
        {"project_urls": ["Source, https://x.test/a,b", "Docs,https://d.test"]}
    )
    assert raw["project_urls"] == {"Source": "https://x.test/a,b", "Docs": "https://d.test"}


def test_project_url_without_label_is_refused():
    with pytest.raises(InvalidMetadataError, match="write it as 'Label, https://"):
        raw_metadata_from_form({"project_urls": ["https://x.test"]})


def test_project_url_label_given_twice_is_refused():
    with pytest.raises(InvalidMetadataError, match="'Docs' appears twice"):
        raw_metadata_from_form({"project_urls": ["Docs, https://a.test", "Docs, https://b.test"]})


def test_single_value_field_given_twice_is_refused():
    with pytest.raises(InvalidMetadataError, match="'version' field was given more than once"):
        raw_metadata_from_form({"version": ["1.0", "2.0"]})


# Required fields and versions


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4"])
def test_every_metadata_version_from_1_0_to_2_4_is_accepted(version):
    assert validate(metadata_version=version).metadata_version == version


@pytest.mark.parametrize("version", ["3.0", "banana"])
def test_unknown_metadata_version_is_refused(version):
    assert "is not a valid metadata version" in refusal(metadata_version=version)


def test_field_newer_than_the_metadata_version_is_refused():
    message = refusal(metadata_version="1.0", requires_python=">=3.8")
    assert "requires-python introduced in metadata version 1.2" in message


@pytest.mark.parametrize("missing", ["metadata_version", "name", "version"])
def test_missing_required_field_is_refused(missing):
    form = {"metadata_version": ["2.1"], "name": ["demo"], "version": ["1.0"], missing: []}
    with pytest.raises(InvalidMetadataError, match=missing):
        validate_metadata(raw_metadata_from_form(form))


def test_license_expression_is_accepted_with_metadata_2_4():
    metadata = validate(metadata_version="2.4", license_expression="MIT OR Apache-2.0")
    assert metadata.license_expression == "MIT OR Apache-2.0"


def test_invalid_license_expression_is_refused():
    message = refusal(metadata_version="2.4", license_expression="Not A License")
    assert "'Not A License' is invalid for 'license-expression'" in message


def test_license_expression_before_metadata_2_4_is_refused():
    assert "introduced in metadata version 2.4" in refusal(license_expression="MIT")


@pytest.mark.parametrize("version", ["1.0", "2!1.0.post3.dev4", "1.0rc1", "2024.1.15"])
def test_pep_440_version_is_accepted(version):
    assert str(validate(version=version).version) == version


@pytest.mark.parametrize("version", ["not-a-version", "1.0-foo", "1..0"])
def test_version_that_is_not_pep_440_is_refused(version):
    assert "is invalid for 'version'" in refusal(version=version)


def test_local_version_is_refused():
    message = refusal(version="1.0+ubuntu1")
    assert "local part ('+ubuntu1')" in message
    assert "local versions cannot be uploaded" in message


@pytest.mark.parametrize("name", ["-demo", "demo!", "h\u00e9llo", "a b"])
def test_invalid_project_name_is_refused(name):
    assert "is invalid for 'name'" in refusal(name=name)


def test_project_name_longer_than_the_database_allows_is_refused():
    assert "at most 200" in refusal(name="a" * 201)


def test_version_longer_than_the_database_allows_is_refused():
    assert "at most 100" in refusal(version="1." + "0." * 60 + "0")


def test_version_that_normalizes_to_more_than_the_database_allows_is_refused():
    assert "once normalized" in refusal(version="1" * 96 + "r")


def test_requires_python_longer_than_the_database_allows_is_refused():
    assert "at most 200" in refusal(requires_python=">=3." + "0" * 200)


# Classifiers


def test_known_classifier_is_accepted():
    assert validate(classifiers=["Programming Language :: Python :: 3"]).classifiers


def test_unknown_classifier_is_refused():
    assert "'Nope :: Nope' is not a valid classifier" in refusal(classifiers=["Nope :: Nope"])


def test_deprecated_classifier_is_refused_with_its_replacement():
    message = refusal(classifiers=[DEPRECATED_CLASSIFIER])
    assert f"Classifier {DEPRECATED_CLASSIFIER!r} is deprecated." in message
    for replacement in trove_classifiers.deprecated_classifiers[DEPRECATED_CLASSIFIER]:
        assert replacement in message


# Summary


def test_summary_of_the_maximum_length_is_accepted():
    assert validate(summary="x" * MAX_SUMMARY_LENGTH).summary


def test_summary_over_512_characters_is_refused():
    assert "The summary is 513 characters long; at most 512" in refusal(summary="x" * 513)


@pytest.mark.parametrize("summary", ["first\nsecond", "first\rsecond"])
def test_multiline_summary_is_refused(summary):
    assert "single line" in refusal(summary=summary)


# URLs


def test_valid_urls_are_accepted():
    metadata = validate(
        home_page="https://example.test/",
        download_url="http://example.test/dl",
        project_urls=["Source, https://example.test/src"],
    )
    assert metadata.project_urls == {"Source": "https://example.test/src"}


@pytest.mark.parametrize(
    ("field", "url", "named"),
    [
        ("home_page", "javascript:alert(1)", "Home-page"),
        ("home_page", "example.test", "Home-page"),
        ("download_url", "ftp://example.test/x", "Download-URL"),
        ("download_url", "https://exa mple.test", "Download-URL"),
        ("project_urls", "Source, https://", "Project-URL 'Source'"),
        ("project_urls", "Source, http://[::1", "Project-URL 'Source'"),
    ],
)
def test_invalid_url_is_refused_naming_the_field(field, url, named):
    message = refusal(**{field: url})
    assert named in message
    assert "is not a valid URL" in message


def test_project_url_label_over_32_characters_is_refused():
    assert "longer than 32 characters" in refusal(project_urls=[f"{'L' * 33}, https://x.test"])


# Other fields packaging checks


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"requires_dist": ["foo ; bad marker"]},
            "'foo ; bad marker' is invalid for 'requires-dist'",
        ),
        ({"requires_python": "3.8+"}, "is invalid for 'requires-python'"),
        ({"description_content_type": "text/html"}, "must be one of"),
        ({"description_content_type": "text/markdown; variant=Foo"}, "Markdown variants"),
        ({"provides_extra": ["Bad Extra!"]}, "is invalid for 'provides-extra'"),
        ({"metadata_version": "2.4", "license_file": ["../LICENSE"]}, "parent directory"),
    ],
)
def test_field_packaging_rejects_is_refused_with_packagings_message(fields, expected):
    message = refusal(**fields)
    assert expected in message
    assert "Fix it in your project's metadata" in message


# Metadata inside archives


def test_archive_metadata_gives_name_and_version():
    data = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\nbody"
    assert parse_archive_metadata(data, where="METADATA") == ("demo", "1.0")


def test_archive_metadata_in_another_encoding_still_gives_name_and_version():
    data = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nAuthor: J\xf6rg\n"
    assert parse_archive_metadata(data, where="PKG-INFO") == ("demo", "1.0")


@pytest.mark.parametrize("data", [b"", b"Name: demo\n", b"\xff\xfe garbage"])
def test_archive_metadata_without_name_or_version_is_refused(data):
    with pytest.raises(InvalidMetadataError, match="PKG-INFO file inside the archive lacks"):
        parse_archive_metadata(data, where="PKG-INFO")
