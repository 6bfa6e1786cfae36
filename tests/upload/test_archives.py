"""Archive inspection: wheel and sdist layout, safe member paths and types, bomb limits."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from stockade.upload.archives import ArchiveLimits, inspect_sdist, inspect_wheel
from stockade.upload.exceptions import InvalidArchiveError
from tests.distributions import Dist
from tests.upload.checks import build_tar_gz, build_zip, tar_entry

LIMITS = ArchiveLimits(max_unpacked_size=10 * 1024**2, max_compression_ratio=50, max_members=100)
DIST = Dist("demo")
DIST_INFO = f"{DIST.stem}.dist-info"
WHEEL_FILE = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
METADATA = DIST.metadata_text().encode()
PKG_INFO = f"{DIST.stem}/PKG-INFO"


def _wheel_members(*extra: tuple[str, bytes]) -> list[tuple[str, bytes]]:
    return [
        ("demo/__init__.py", b"VALUE = 1\n"),
        (f"{DIST_INFO}/METADATA", METADATA),
        (f"{DIST_INFO}/WHEEL", WHEEL_FILE),
        *extra,
    ]


def check_wheel(data: bytes, limits: ArchiveLimits = LIMITS):
    return inspect_wheel(io.BytesIO(data), dist_info_dir=DIST_INFO, limits=limits)


def check_sdist(data: bytes, limits: ArchiveLimits = LIMITS):
    return inspect_sdist(io.BytesIO(data), top_dir=DIST.stem, limits=limits)


# Wheels


def test_wheel_returns_its_metadata():
    assert check_wheel(DIST.wheel()).metadata == METADATA


def test_stored_wheel_members_are_accepted():
    assert check_wheel(build_zip(_wheel_members(), compression=zipfile.ZIP_STORED)).metadata


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40])
def test_wheel_that_is_not_a_zip_is_refused(data):
    with pytest.raises(InvalidArchiveError, match="not a valid zip file"):
        check_wheel(data)


def test_truncated_wheel_is_refused():
    with pytest.raises(InvalidArchiveError, match="not a valid zip file"):
        check_wheel(DIST.wheel()[:-30])


@pytest.mark.parametrize("missing", ["WHEEL", "METADATA"])
def test_wheel_without_required_dist_info_file_is_refused(missing):
    members = [m for m in _wheel_members() if not m[0].endswith(f"/{missing}")]
    with pytest.raises(InvalidArchiveError, match=f"has no {DIST_INFO}/{missing}"):
        check_wheel(build_zip(members))


def test_wheel_whose_dist_info_does_not_match_the_filename_is_refused():
    members = [(n.replace(DIST_INFO, "other-1.0.dist-info"), d) for n, d in _wheel_members()]
    with pytest.raises(InvalidArchiveError, match="must match the filename"):
        check_wheel(build_zip(members))


def test_wheel_with_unsupported_wheel_version_is_refused():
    members = [
        (n, b"Wheel-Version: 2.0\n" if n.endswith("/WHEEL") else d) for n, d in _wheel_members()
    ]
    with pytest.raises(InvalidArchiveError, match=r"Unsupported Wheel-Version '2\.0'"):
        check_wheel(build_zip(members))


def test_wheel_without_wheel_version_is_refused():
    members = [(n, b"Generator: x\n" if n.endswith("/WHEEL") else d) for n, d in _wheel_members()]
    with pytest.raises(InvalidArchiveError, match="has no Wheel-Version"):
        check_wheel(build_zip(members))


@pytest.mark.parametrize(
    "name",
    ["../evil.py", "demo/../../evil.py", "/etc/passwd", "C:/evil.py", "demo\\..\\evil.py"],
)
def test_wheel_member_path_leaving_the_archive_is_refused(name):
    with pytest.raises(InvalidArchiveError, match="leaves the archive's folder"):
        check_wheel(build_zip(_wheel_members((name, b"x"))))


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_wheel_member_compressed_other_than_deflate_is_refused(compression):
    with pytest.raises(InvalidArchiveError, match="only stored and deflated"):
        check_wheel(build_zip(_wheel_members(), compression=compression))


def test_encrypted_wheel_member_is_refused():
    data = bytearray(build_zip(_wheel_members(), compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit in every central directory entry.
    start = data.find(b"PK\x01\x02")
    while start != -1:
        data[start + 8] |= 0x1
        start = data.find(b"PK\x01\x02", start + 4)
    with pytest.raises(InvalidArchiveError, match="is encrypted"):
        check_wheel(bytes(data))


def test_wheel_with_duplicate_member_names_is_refused():
    members = _wheel_members((f"{DIST_INFO}/METADATA", b"Metadata-Version: 2.1\nName: evil\n"))
    with pytest.raises(InvalidArchiveError, match="two members named"):
        check_wheel(build_zip(members))


def test_wheel_over_the_unpacked_size_limit_is_refused():
    limits = ArchiveLimits(max_unpacked_size=4096, max_compression_ratio=1000, max_members=100)
    with pytest.raises(InvalidArchiveError, match="unpack to more than 4096 bytes"):
        check_wheel(build_zip(_wheel_members(("demo/big.bin", b"\0" * 5000))), limits)


def test_wheel_member_with_a_bomb_compression_ratio_is_refused():
    bomb = ("demo/zeros.bin", b"\0" * (2 * 1024 * 1024))
    with pytest.raises(InvalidArchiveError, match="compression bomb"):
        check_wheel(build_zip(_wheel_members(bomb)))


def test_small_highly_compressible_member_is_not_a_bomb():
    assert check_wheel(build_zip(_wheel_members(("demo/zeros.bin", b"\0" * 500_000)))).metadata


def test_wheel_with_too_many_members_is_refused():
    limits = ArchiveLimits(max_unpacked_size=10**6, max_compression_ratio=50, max_members=3)
    with pytest.raises(InvalidArchiveError, match="more than 3 members"):
        check_wheel(build_zip(_wheel_members(("demo/extra.py", b""))), limits)


def test_wheel_with_corrupt_compressed_metadata_is_refused():
    data = bytearray(build_zip(_wheel_members()))
    # Overwrite the start of the deflated bytes of METADATA, the second local entry.
    header = data.find(b"PK\x03\x04", data.find(b"PK\x03\x04") + 4)
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    body = header + 30 + name_len + extra_len
    data[body : body + 8] = b"\xff" * 8
    with pytest.raises(InvalidArchiveError, match="Cannot read"):
        check_wheel(bytes(data))


def test_wheel_metadata_larger_than_the_metadata_limit_is_refused(monkeypatch):
    monkeypatch.setattr("stockade.upload.archives._MAX_METADATA_SIZE", 100)
    with pytest.raises(InvalidArchiveError, match="METADATA is larger than 100 bytes"):
        check_wheel(DIST.wheel())


# Sdists


def test_sdist_returns_its_pkg_info():
    assert check_sdist(DIST.sdist()).metadata == METADATA


@pytest.mark.parametrize("data", [b"", b"not gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 30])
def test_sdist_that_is_not_a_tar_gz_is_refused(data):
    with pytest.raises(InvalidArchiveError, match=r"not a valid \.tar\.gz file"):
        check_sdist(data)


@pytest.mark.parametrize("cut", [8, 40, 200])
def test_truncated_sdist_is_refused(cut):
    with pytest.raises(InvalidArchiveError, match="truncated"):
        check_sdist(DIST.sdist()[:-cut])


def test_sdist_with_data_after_its_gzip_stream_is_refused():
    hidden = build_tar_gz([(f"{DIST.stem}/evil.py", b"import os")])
    with pytest.raises(InvalidArchiveError, match="data after the end of its gzip stream"):
        check_sdist(DIST.sdist() + hidden)


def test_sdist_hiding_a_bomb_after_its_end_of_archive_marker_is_refused():
    limits = ArchiveLimits(max_unpacked_size=100_000, max_compression_ratio=1000, max_members=10)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        info = tarfile.TarInfo(PKG_INFO)
        info.size = len(METADATA)
        archive.addfile(info, io.BytesIO(METADATA))
    data = gzip.compress(raw.getvalue() + b"\0" * 1_000_000)
    with pytest.raises(InvalidArchiveError, match="would unpack to more than"):
        check_sdist(data, limits)


def test_empty_tar_is_refused():
    with pytest.raises(InvalidArchiveError, match="The sdist is empty"):
        check_sdist(build_tar_gz([]))


def test_sdist_without_a_top_directory_is_refused():
    with pytest.raises(InvalidArchiveError, match="outside its top directory"):
        check_sdist(DIST.sdist(top_dir=""))


def test_sdist_with_a_second_top_directory_is_refused():
    data = build_tar_gz([(PKG_INFO, METADATA), ("other-1.0/setup.py", b"")])
    with pytest.raises(InvalidArchiveError, match="exactly one top directory"):
        check_sdist(data)


def test_sdist_whose_top_directory_does_not_match_the_filename_is_refused():
    with pytest.raises(InvalidArchiveError, match=r"outside its top directory 'demo-1\.0'"):
        check_sdist(DIST.sdist(top_dir="demo-2.0"))


def test_sdist_without_pkg_info_in_its_top_directory_is_refused():
    data = build_tar_gz([(f"{DIST.stem}/sub/PKG-INFO", METADATA)])
    with pytest.raises(InvalidArchiveError, match=r"has no demo-1\.0/PKG-INFO"):
        check_sdist(data)


@pytest.mark.parametrize("name", ["demo-1.0/../evil.py", "/demo-1.0/evil.py", "demo-1.0/a\\b"])
def test_sdist_member_path_leaving_the_archive_is_refused(name):
    with pytest.raises(InvalidArchiveError, match="leaves the archive's folder"):
        check_sdist(build_tar_gz([(PKG_INFO, METADATA), (name, b"x")]))


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        (tarfile.SYMTYPE, "/etc/passwd"),
        (tarfile.SYMTYPE, "../../etc/passwd"),
        (tarfile.SYMTYPE, "../other-1.0/x"),
        (tarfile.LNKTYPE, "/etc/passwd"),
        (tarfile.LNKTYPE, "other-1.0/x"),
    ],
)
def test_sdist_link_pointing_outside_is_refused(kind, target):
    link = tar_entry(f"{DIST.stem}/link", kind, linkname=target)
    with pytest.raises(InvalidArchiveError, match="links outside the archive"):
        check_sdist(build_tar_gz([(PKG_INFO, METADATA), link]))


def test_sdist_link_inside_its_directory_is_accepted():
    links = [
        tar_entry(f"{DIST.stem}/docs/README", tarfile.SYMTYPE, linkname="../PKG-INFO"),
        tar_entry(f"{DIST.stem}/COPY", tarfile.LNKTYPE, linkname=PKG_INFO),
    ]
    assert check_sdist(build_tar_gz([(PKG_INFO, METADATA), *links])).metadata == METADATA


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_sdist_with_device_or_fifo_is_refused(kind):
    special = tar_entry(f"{DIST.stem}/dev", kind)
    with pytest.raises(InvalidArchiveError, match="device, FIFO or other special file"):
        check_sdist(build_tar_gz([(PKG_INFO, METADATA), special]))


def test_sdist_pkg_info_that_is_a_link_is_not_read_as_metadata():
    link = tar_entry(PKG_INFO, tarfile.SYMTYPE, linkname="real-PKG-INFO")
    data = build_tar_gz([(f"{DIST.stem}/real-PKG-INFO", METADATA), link])
    with pytest.raises(InvalidArchiveError, match=r"has no demo-1\.0/PKG-INFO"):
        check_sdist(data)


def test_sdist_over_the_unpacked_size_limit_is_refused():
    limits = ArchiveLimits(max_unpacked_size=4096, max_compression_ratio=1000, max_members=100)
    with pytest.raises(InvalidArchiveError, match="unpack to more than 4096 bytes"):
        check_sdist(DIST.sdist(extra_members={"big.bin": b"\0" * 5000}), limits)


def test_sdist_with_a_bomb_compression_ratio_is_refused():
    data = DIST.sdist(extra_members={"zeros.bin": b"\0" * (2 * 1024 * 1024)})
    with pytest.raises(InvalidArchiveError, match="compression bomb"):
        check_sdist(data)


def test_sdist_with_too_many_members_is_refused():
    limits = ArchiveLimits(max_unpacked_size=10**6, max_compression_ratio=50, max_members=3)
    with pytest.raises(InvalidArchiveError, match="more than 3 members"):
        check_sdist(DIST.sdist(), limits)


def test_sdist_pkg_info_larger_than_the_metadata_limit_is_refused(monkeypatch):
    monkeypatch.setattr("stockade.upload.archives._MAX_METADATA_SIZE", 100)
    with pytest.raises(InvalidArchiveError, match="PKG-INFO is larger than 100 bytes"):
        check_sdist(DIST.sdist())


def test_uncompressed_tar_named_tar_gz_is_refused():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(PKG_INFO)
        info.size = len(METADATA)
        archive.addfile(info, io.BytesIO(METADATA))
    with pytest.raises(InvalidArchiveError, match=r"not a valid \.tar\.gz file"):
        check_sdist(buffer.getvalue())
