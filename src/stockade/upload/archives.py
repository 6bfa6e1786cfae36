"""Inspect an uploaded archive without extracting it or running anything in it.

A wheel must hold ``NAME-VERSION.dist-info/WHEEL`` and ``METADATA``; an sdist must have exactly
one top directory holding ``PKG-INFO``. Every member path must stay inside the archive, zip
members must be stored or deflated, and the unpacked size, member count and compression ratio
are bounded so that a compression bomb is refused before it is read.
"""

from __future__ import annotations

import posixpath
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from stockade.upload.exceptions import InvalidArchiveError

# A member smaller than this may compress extremely well (a file of zeros, a long license)
# without being a bomb; the ratio limit applies above it.
_RATIO_FLOOR = 1024 * 1024
_MAX_METADATA_SIZE = 10 * 1024 * 1024
# Bytes a tar stream holds beyond member data: a header block, padding and a long-name header.
_TAR_OVERHEAD_PER_MEMBER = 3 * 512
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_unpacked_size: int
    max_compression_ratio: int
    max_members: int


@dataclass(frozen=True)
class ArchiveContents:
    """What the upload path needs from inside the archive."""

    metadata: bytes  # METADATA of a wheel or PKG-INFO of an sdist


def inspect_wheel(
    handle: IO[bytes], *, dist_info_dir: str, limits: ArchiveLimits
) -> ArchiveContents:
    """Check a wheel and return its METADATA.

    Args:
        dist_info_dir: ``{name}-{version}.dist-info`` as the filename spells name and version.

    Raises:
        InvalidArchiveError
    """
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InvalidArchiveError(f"The wheel is not a valid zip file ({e}); rebuild it.") from e
    with archive:
        members = archive.infolist()
        _check_member_count(len(members), limits)
        total = 0
        seen: set[str] = set()
        for info in members:
            _check_member_path(info.filename)
            if info.filename in seen:
                # Two entries of one name let different tools read different contents.
                raise InvalidArchiveError(f"The wheel has two members named {info.filename!r}.")
            seen.add(info.filename)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InvalidArchiveError(
                    f"Wheel member {info.filename!r} uses an unsupported compression method; "
                    "only stored and deflated members are allowed."
                )
            if info.flag_bits & 0x1:
                raise InvalidArchiveError(f"Wheel member {info.filename!r} is encrypted.")
            total += info.file_size
            _check_unpacked_size(total, limits)
            _check_ratio(info.filename, info.file_size, info.compress_size, limits)
        names = {info.filename for info in members}
        wheel_name, metadata_name = f"{dist_info_dir}/WHEEL", f"{dist_info_dir}/METADATA"
        for required in (wheel_name, metadata_name):
            if required not in names:
                raise InvalidArchiveError(
                    f"The wheel has no {required}; its .dist-info directory must match the "
                    "filename's name and version. Rebuild it with a standard build backend."
                )
        _check_wheel_version(_read_zip_member(archive, wheel_name))
        return ArchiveContents(metadata=_read_zip_member(archive, metadata_name))


def inspect_sdist(handle: IO[bytes], *, top_dir: str, limits: ArchiveLimits) -> ArchiveContents:
    """Check a .tar.gz sdist and return its PKG-INFO.

    Args:
        top_dir: ``{name}-{version}`` as the filename spells them (PEP 625).

    Raises:
        InvalidArchiveError
    """
    compressed_size = _stream_size(handle)
    _check_gzip_stream(handle, limits)
    pkg_info: bytes | None = None
    total = count = 0
    try:
        # Stream mode reads members in order and never seeks, so a bomb is stopped by the
        # running totals before its data is decompressed.
        with tarfile.open(fileobj=handle, mode="r|gz") as archive:
            for member in archive:
                count += 1
                _check_member_count(count, limits)
                _check_tar_member(member, top_dir)
                total += member.size
                _check_unpacked_size(total, limits)
                if member.name == f"{top_dir}/PKG-INFO" and member.isfile():
                    pkg_info = _read_tar_member(archive, member)
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise InvalidArchiveError(
            f"The sdist is not a valid .tar.gz file ({e}); rebuild it."
        ) from e
    if count == 0:
        raise InvalidArchiveError("The sdist is empty.")
    if total > _RATIO_FLOOR and total > compressed_size * limits.max_compression_ratio:
        raise InvalidArchiveError(
            "The sdist expands more than "
            f"{limits.max_compression_ratio} times its size; this looks like a compression bomb."
        )
    if pkg_info is None:
        raise InvalidArchiveError(
            f"The sdist has no {top_dir}/PKG-INFO; it must have exactly one top directory "
            f"named {top_dir!r} holding PKG-INFO. Rebuild it with a standard build backend."
        )
    return ArchiveContents(metadata=pkg_info)


def _check_gzip_stream(handle: IO[bytes], limits: ArchiveLimits) -> None:
    """Decompress the whole stream once, bounded, before reading it as tar.

    The tar reader stops at the end-of-archive marker, so it misses a stream cut short (a
    corrupt upload installers would choke on) and bytes after the marker, where a second gzip
    member could hide files that ``tar`` and ``gzip`` would still unpack.
    """
    budget = limits.max_unpacked_size + _TAR_OVERHEAD_PER_MEMBER * (limits.max_members + 2)
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    expanded = 0
    handle.seek(0)
    try:
        while not decompressor.eof and (chunk := handle.read(_CHUNK)):
            while chunk and not decompressor.eof:
                expanded += len(decompressor.decompress(chunk, _CHUNK))
                chunk = decompressor.unconsumed_tail
                if expanded > budget:
                    raise InvalidArchiveError(
                        f"The sdist would unpack to more than {budget} bytes."
                    )
    except zlib.error as e:
        raise InvalidArchiveError(
            f"The sdist is not a valid .tar.gz file ({e}); rebuild it."
        ) from e
    trailing = decompressor.unused_data or handle.read(1)
    handle.seek(0)
    if not decompressor.eof and expanded == 0:
        raise InvalidArchiveError("The sdist is not a valid .tar.gz file (it holds no data).")
    if not decompressor.eof:
        raise InvalidArchiveError(
            "The sdist's gzip stream ends early: the file is truncated. Upload it again."
        )
    if trailing:
        raise InvalidArchiveError(
            "The sdist has data after the end of its gzip stream; rebuild it as a single "
            ".tar.gz stream."
        )


def _stream_size(handle: IO[bytes]) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def _check_member_count(count: int, limits: ArchiveLimits) -> None:
    if count > limits.max_members:
        raise InvalidArchiveError(f"The archive has more than {limits.max_members} members.")


def _check_unpacked_size(total: int, limits: ArchiveLimits) -> None:
    if total > limits.max_unpacked_size:
        raise InvalidArchiveError(
            f"The archive would unpack to more than {limits.max_unpacked_size} bytes."
        )


def _check_ratio(name: str, size: int, compressed: int, limits: ArchiveLimits) -> None:
    if size > _RATIO_FLOOR and size > max(compressed, 1) * limits.max_compression_ratio:
        raise InvalidArchiveError(
            f"Archive member {name!r} expands more than {limits.max_compression_ratio} times; "
            "this looks like a compression bomb."
        )


def _check_member_path(name: str) -> None:
    """Refuse absolute paths, drive letters, backslashes and ``..`` that would leave the folder."""
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or (len(name) > 1 and name[1] == ":")
        or ".." in name.split("/")
    ):
        raise InvalidArchiveError(
            f"Archive member {name!r} has a path that leaves the archive's folder."
        )


def _check_tar_member(member: tarfile.TarInfo, top_dir: str) -> None:
    _check_member_path(member.name)
    if member.name != top_dir and not member.name.startswith(f"{top_dir}/"):
        raise InvalidArchiveError(
            f"The sdist member {member.name!r} is outside its top directory {top_dir!r}; "
            "an sdist must have exactly one top directory."
        )
    if member.issym() or member.islnk():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
        if member.islnk():
            target = posixpath.normpath(member.linkname)
        if member.linkname.startswith("/") or not (
            target == top_dir or target.startswith(f"{top_dir}/")
        ):
            raise InvalidArchiveError(
                f"The sdist member {member.name!r} links outside the archive."
            )
    elif not (member.isfile() or member.isdir()):
        raise InvalidArchiveError(
            f"The sdist member {member.name!r} is a device, FIFO or other special file."
        )


def _check_wheel_version(wheel_file: bytes) -> None:
    for line in wheel_file.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "wheel-version":
            major = value.strip().split(".")[0]
            if major != "1":
                raise InvalidArchiveError(
                    f"Unsupported Wheel-Version {value.strip()!r}; only 1.x is accepted."
                )
            return
    raise InvalidArchiveError("The wheel's WHEEL file has no Wheel-Version.")


def _read_zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as member:
            data = member.read(_MAX_METADATA_SIZE + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as e:
        # zlib.error: the deflated bytes are corrupt (it is no OSError or ValueError).
        raise InvalidArchiveError(f"Cannot read {name} from the wheel ({e}); rebuild it.") from e
    if len(data) > _MAX_METADATA_SIZE:
        raise InvalidArchiveError(f"{name} is larger than {_MAX_METADATA_SIZE} bytes.")
    return data


def _read_tar_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > _MAX_METADATA_SIZE:
        raise InvalidArchiveError(f"PKG-INFO is larger than {_MAX_METADATA_SIZE} bytes.")
    extracted = archive.extractfile(member)
    if extracted is None:
        raise InvalidArchiveError("PKG-INFO is not a regular file.")
    return extracted.read()
