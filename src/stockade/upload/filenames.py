"""Validate distribution filenames: PEP 427 wheels and PEP 625 sdists, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from stockade.upload.exceptions import InvalidFilenameError
from stockade.upload.platform_tags import is_valid_platform_tag

PackageType = Literal["bdist_wheel", "sdist"]

# File.filename and UsedFilename.filename hold at most this many characters.
MAX_FILENAME_LENGTH = 255

_LEGACY_FORMATS = {
    ".egg": "Eggs are no longer accepted; build and upload a wheel instead.",
    ".exe": "Windows installers are not accepted; build and upload a wheel instead.",
    ".msi": "Windows installers are not accepted; build and upload a wheel instead.",
    ".rpm": "RPMs are not accepted; build and upload a wheel instead.",
    ".dmg": "Disk images are not accepted; build and upload a wheel instead.",
    ".zip": "Source distributions must be .tar.gz files (PEP 625); rebuild with a current "
    "build tool, e.g. `python -m build --sdist`.",
    ".tar.bz2": "Source distributions must be .tar.gz files (PEP 625).",
    ".tar.xz": "Source distributions must be .tar.gz files (PEP 625).",
    ".tgz": "Source distributions must be .tar.gz files (PEP 625).",
    ".tar": "Source distributions must be .tar.gz files (PEP 625).",
}


@dataclass(frozen=True)
class DistributionFilename:
    filename: str
    packagetype: PackageType
    name: str  # canonicalized
    version: Version


def parse_distribution_filename(filename: str) -> DistributionFilename:
    """Parse and check a filename.

    Raises:
        InvalidFilenameError: not a wheel or sdist name, a bad tag, a non-normalized sdist, or
            too long to store.
    """
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        raise InvalidFilenameError(f"Invalid filename {filename!r}: it must be a bare file name.")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise InvalidFilenameError(
            f"The filename is {len(filename)} characters long; at most {MAX_FILENAME_LENGTH} "
            "are allowed. Shorten the project name or version."
        )
    if filename.endswith(".whl"):
        return _parse_wheel(filename)
    if filename.endswith(".tar.gz"):
        return _parse_sdist(filename)
    for suffix, message in _LEGACY_FORMATS.items():
        if filename.lower().endswith(suffix):
            raise InvalidFilenameError(f"Invalid file {filename!r}: {message}")
    raise InvalidFilenameError(
        f"Invalid file extension in {filename!r}: upload a wheel (.whl) or a source "
        "distribution (.tar.gz)."
    )


def _parse_wheel(filename: str) -> DistributionFilename:
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as e:
        raise InvalidFilenameError(f"Invalid wheel filename {filename!r}: {e}") from e
    for tag in tags:
        if not is_valid_platform_tag(tag.platform):
            raise InvalidFilenameError(
                f"Binary wheel {filename!r} has an unsupported platform tag {tag.platform!r}; "
                "build it for manylinux or musllinux (e.g. with auditwheel) or another "
                "supported platform."
            )
    return DistributionFilename(filename, "bdist_wheel", canonicalize_name(name), version)


def _parse_sdist(filename: str) -> DistributionFilename:
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename as e:
        raise InvalidFilenameError(f"Invalid source distribution filename {filename!r}: {e}") from e
    expected = f"{name.replace('-', '_')}-{version}.tar.gz"
    if filename != expected:
        raise InvalidFilenameError(
            f"Source distribution filename {filename!r} is not normalized (PEP 625); "
            f"it should be {expected!r}. Rebuild with a current build tool."
        )
    return DistributionFilename(filename, "sdist", name, version)
