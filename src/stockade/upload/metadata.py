"""Turn the upload form's core-metadata fields into validated ``packaging`` metadata.

Twine and uv send each core-metadata field as a form field (``requires_dist`` may repeat,
``project_urls`` entries are ``"Label, URL"``). The fields are parsed with
``packaging.metadata`` (Metadata-Version 1.0 to 2.4 and later, License-Expression), then
checked for what PyPI also requires: no local versions, known classifiers, a one-line summary of
at most 512 characters and well-formed URLs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.parser import BytesParser
from urllib.parse import urlsplit

import trove_classifiers
from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email

from stockade.upload.exceptions import InvalidMetadataError

MAX_SUMMARY_LENGTH = 512
MAX_URL_LABEL_LENGTH = 32
# The longest values the packaging tables store (Project.name, Release.version,
# Release.requires_python); longer ones would fail at the database instead of here.
MAX_FIELD_LENGTHS = {"name": 200, "version": 100, "requires_python": 200}

# form field -> RawMetadata key, for fields that hold a single string
_SINGLE_FIELDS = {
    "metadata_version": "metadata_version",
    "name": "name",
    "version": "version",
    "summary": "summary",
    "description": "description",
    "description_content_type": "description_content_type",
    "author": "author",
    "author_email": "author_email",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "license": "license",
    "license_expression": "license_expression",
    "home_page": "home_page",
    "download_url": "download_url",
    "requires_python": "requires_python",
}
# form field -> RawMetadata key, for fields that may repeat
_MULTI_FIELDS = {
    "classifiers": "classifiers",
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "requires_dist": "requires_dist",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "dynamic": "dynamic",
    "license_file": "license_files",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
}


def raw_metadata_from_form(fields: Mapping[str, Sequence[str]]) -> RawMetadata:
    """Collect core-metadata fields from a form, leaving out empty values as twine does."""
    raw: dict[str, object] = {}
    for field, key in _SINGLE_FIELDS.items():
        values = [v for v in fields.get(field, ()) if v.strip()]
        if len(values) > 1:
            raise InvalidMetadataError(f"The {field!r} field was given more than once.")
        if values:
            raw[key] = values[0]
    for field, key in _MULTI_FIELDS.items():
        values = [v for v in fields.get(field, ()) if v.strip()]
        if values:
            raw[key] = values
    keywords = [v for v in fields.get("keywords", ()) if v.strip()]
    if keywords:
        raw["keywords"] = [k.strip() for text in keywords for k in text.split(",") if k.strip()]
    urls = [v for v in fields.get("project_urls", ()) if v.strip()]
    if urls:
        raw["project_urls"] = _parse_project_urls(urls)
    return raw  # type: ignore[return-value]


def _parse_project_urls(entries: list[str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for entry in entries:
        label, sep, url = entry.partition(",")
        if not sep:
            raise InvalidMetadataError(
                f"Invalid Project-URL {entry!r}: write it as 'Label, https://…'."
            )
        label = label.strip()
        if label in urls:
            raise InvalidMetadataError(f"The Project-URL label {label!r} appears twice.")
        urls[label] = url.strip()
    return urls


def validate_metadata(raw: RawMetadata) -> Metadata:
    """Validate raw metadata and apply PyPI's additional rules.

    Raises:
        InvalidMetadataError: with the first problem found, naming the field.
    """
    if not raw.get("metadata_version"):
        raise InvalidMetadataError("'metadata_version' is missing; upload with twine or uv.")
    for required in ("name", "version"):
        if not raw.get(required):
            raise InvalidMetadataError(f"The {required!r} field is required.")
    _check_lengths(raw)
    try:
        metadata = Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        raise InvalidMetadataError(_first_message(group)) from group
    except InvalidMetadata as e:
        raise InvalidMetadataError(_describe(e)) from e
    _check_version(metadata)
    _check_summary(metadata)
    _check_classifiers(metadata)
    _check_urls(metadata)
    return metadata


def parse_archive_metadata(data: bytes, *, where: str) -> tuple[str, str]:
    """Return (name, version) from a METADATA or PKG-INFO file.

    Raises:
        InvalidMetadataError: when they are missing.
    """
    raw, _unparsed = parse_email(data)
    name, version = raw.get("name"), raw.get("version")
    if not name or not version:
        # parse_email drops what it cannot decode; fall back to the plain header parser.
        headers = BytesParser().parsebytes(data, headersonly=True)
        name, version = name or headers.get("Name"), version or headers.get("Version")
    if not name or not version:
        raise InvalidMetadataError(f"The {where} file inside the archive lacks Name or Version.")
    return str(name), str(version)


def _check_lengths(raw: RawMetadata) -> None:
    for field, limit in MAX_FIELD_LENGTHS.items():
        value = str(raw.get(field) or "")
        if len(value) > limit:
            raise InvalidMetadataError(
                f"The {field!r} field is {len(value)} characters long; at most {limit} are allowed."
            )


def _check_version(metadata: Metadata) -> None:
    normalized, limit = str(metadata.version), MAX_FIELD_LENGTHS["version"]
    if len(normalized) > limit:
        # Normalizing can lengthen a version ("1r" is "1.post0"); the normalized form is stored.
        raise InvalidMetadataError(
            f"The version is {len(normalized)} characters long once normalized "
            f"({normalized[:20]}...); at most {limit} are allowed."
        )
    if metadata.version.local is not None:
        raise InvalidMetadataError(
            f"Version {metadata.version} has a local part ('+{metadata.version.local}'); "
            "local versions cannot be uploaded to an index (PEP 440)."
        )


def _check_summary(metadata: Metadata) -> None:
    summary = metadata.summary or ""
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise InvalidMetadataError(
            f"The summary is {len(summary)} characters long; at most {MAX_SUMMARY_LENGTH} "
            "are allowed."
        )
    if "\n" in summary or "\r" in summary:
        raise InvalidMetadataError("The summary must be a single line.")


def _check_classifiers(metadata: Metadata) -> None:
    for classifier in metadata.classifiers or ():
        if classifier in trove_classifiers.deprecated_classifiers:
            replacement = trove_classifiers.deprecated_classifiers[classifier]
            hint = f" Use {', '.join(replacement)} instead." if replacement else ""
            raise InvalidMetadataError(f"Classifier {classifier!r} is deprecated.{hint}")
        if classifier not in trove_classifiers.classifiers:
            raise InvalidMetadataError(
                f"Classifier {classifier!r} is not a valid classifier; see "
                "https://pypi.org/classifiers/ for the list."
            )


def _check_urls(metadata: Metadata) -> None:
    named = {"Home-page": metadata.home_page, "Download-URL": metadata.download_url}
    for label, url in (metadata.project_urls or {}).items():
        if len(label) > MAX_URL_LABEL_LENGTH:
            raise InvalidMetadataError(
                f"The Project-URL label {label!r} is longer than {MAX_URL_LABEL_LENGTH} characters."
            )
        named[f"Project-URL {label!r}"] = url
    for field, url in named.items():
        if url and not is_valid_url(url):
            raise InvalidMetadataError(
                f"{field} {url!r} is not a valid URL; use an http:// or https:// address."
            )


def is_valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.netloc)
        and not any(c.isspace() for c in url)
    )


def _first_message(group: ExceptionGroup) -> str:
    # packaging reports problems in set order; sort by field so the message is stable.
    errors = sorted(
        (e for e in group.exceptions if isinstance(e, InvalidMetadata)), key=lambda e: e.field
    )
    if errors:
        return _describe(errors[0])
    return str(group)


def _describe(error: InvalidMetadata) -> str:
    return f"Invalid value for {error.field!r}: {error}. Fix it in your project's metadata."
