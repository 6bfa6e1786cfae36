"""Assertions shared by the upload tests: what a refusal must look like, and that it wrote nothing.

A refusal is a 4xx whose reason phrase (one line of ISO-8859-1, what twine prints) and body both
say what is wrong. A refused upload leaves no row and no stored file behind; only the simple pages
of projects that already existed may be re-rendered.
"""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from stockade.packaging.models import File, Project, Release, Role, UsedFilename

_TRACKED_MODELS = (Project, Release, File, UsedFilename, Role)


def assert_valid_reason_phrase(response) -> None:
    """The status line can carry only one line of printable ISO-8859-1 text."""
    reason = response.reason_phrase
    assert reason, "a refusal needs a reason phrase"
    reason.encode("latin-1")  # raises if the status line could not be written
    assert all(c == "\t" or (" " <= c <= "~") or c >= "\xa0" for c in reason), repr(reason)


def assert_refused(response, status: int, *phrases: str) -> None:
    """Assert the status, and that the reason phrase and the body both carry every phrase."""
    body = response.content.decode("utf-8")
    assert response.status_code == status, (response.status_code, body)
    assert_valid_reason_phrase(response)
    reason, flat_body = response.reason_phrase.lower(), " ".join(body.split()).lower()
    for phrase in phrases:
        assert phrase.lower() in reason, (phrase, response.reason_phrase)
        assert phrase.lower() in flat_body, (phrase, body)


def stored_files(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@dataclass
class StateSnapshot:
    """Rows and stored files at one moment, to compare against after an upload."""

    root: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)

    @classmethod
    def take(cls, root: Path) -> StateSnapshot:
        return cls(
            root=root,
            rows={m.__name__: m.objects.count() for m in _TRACKED_MODELS},
            files=stored_files(root),
            projects=set(Project.objects.values_list("normalized_name", flat=True)),
        )

    def new_files(self) -> set[str]:
        return stored_files(self.root) - self.files

    def assert_unchanged(self) -> None:
        """No row was added or removed, and no file was stored except pre-existing pages."""
        rows = {m.__name__: m.objects.count() for m in _TRACKED_MODELS}
        assert rows == self.rows, f"rows changed: {self.rows} -> {rows}"
        unexpected = {p for p in self.new_files() if not self._is_existing_page(p)}
        assert not unexpected, f"files left in storage: {sorted(unexpected)}"

    def _is_existing_page(self, path: str) -> bool:
        parts = path.split("/")
        return parts[0] == "simple" and (len(parts) == 2 or parts[1] in self.projects)


def assert_accepted_completely(response, snapshot: StateSnapshot) -> None:
    """An accepted upload has its rows and its blob; nothing else was stored."""
    assert response.status_code == 200, response.content
    for path in snapshot.new_files():
        if path.startswith("packages/"):
            blob = path.removesuffix(".metadata")
            assert File.objects.filter(path=blob).exists(), f"stored without a row: {path}"
    for file in File.objects.all():
        assert (snapshot.root / file.path).is_file(), f"row without its file: {file.path}"


def build_zip(
    members: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A zip whose members are written exactly as given (duplicates and odd names included)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns on duplicate names
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def build_tar_gz(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    """A .tar.gz of regular files given as (name, data), or of prepared TarInfo entries."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tar_entry(name: str, kind: bytes, *, linkname: str = "") -> tarfile.TarInfo:
    """A tar entry with no data: a directory, link, device or FIFO (``tarfile.*TYPE``)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info
