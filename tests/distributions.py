"""Build real wheels and sdists in memory for tests, including deliberately broken ones.

The packages are importable modules with an in-tree PEP 517 backend in the sdist (``requires =
[]``), so pip and uv can build and install them with no network and no other index.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass
class Dist:
    name: str
    version: str = "1.0"
    summary: str = "A test package"
    description: str = "# Test package\n\nHello from the README.\n"
    description_content_type: str = "text/markdown"
    requires_python: str = ">=3.8"
    requires_dist: list[str] = field(default_factory=list)
    classifiers: list[str] = field(default_factory=lambda: ["Programming Language :: Python :: 3"])
    extra_metadata: str = ""
    module_body: str = "VALUE = 42\n"

    @property
    def module(self) -> str:
        return canonicalize_name(self.name).replace("-", "_")

    @property
    def stem(self) -> str:
        return f"{self.module}-{self.version}"

    @property
    def wheel_filename(self) -> str:
        return f"{self.stem}-py3-none-any.whl"

    @property
    def sdist_filename(self) -> str:
        return f"{self.stem}.tar.gz"

    def metadata_text(self) -> str:
        lines = [
            "Metadata-Version: 2.1",
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Summary: {self.summary}",
        ]
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Classifier: {c}" for c in self.classifiers]
        lines += [f"Requires-Dist: {r}" for r in self.requires_dist]
        if self.description_content_type:
            lines.append(f"Description-Content-Type: {self.description_content_type}")
        if self.extra_metadata:
            lines.append(self.extra_metadata.rstrip("\n"))
        return "\n".join(lines) + "\n\n" + self.description

    def form_fields(self, filetype: str) -> dict[str, str | list[str]]:
        """The core-metadata form fields twine would send with this file."""
        fields: dict[str, str | list[str]] = {
            ":action": "file_upload",
            "protocol_version": "1",
            "metadata_version": "2.1",
            "name": self.name,
            "version": self.version,
            "summary": self.summary,
            "description": self.description,
            "description_content_type": self.description_content_type,
            "requires_python": self.requires_python,
            "classifiers": self.classifiers,
            "requires_dist": self.requires_dist,
            "filetype": filetype,
            "pyversion": "py3" if filetype == "bdist_wheel" else "source",
        }
        return fields

    def wheel(
        self, *, extra_members: dict[str, bytes] | None = None, metadata: str | None = None
    ) -> bytes:
        dist_info = f"{self.stem}.dist-info"
        members = {
            f"{self.module}/__init__.py": self.module_body.encode(),
            f"{dist_info}/METADATA": (metadata or self.metadata_text()).encode(),
            f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: stockade-tests\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        }
        members.update(extra_members or {})
        record_lines = [
            f"{path},sha256={_record_hash(data)},{len(data)}" for path, data in members.items()
        ]
        record_lines.append(f"{dist_info}/RECORD,,")
        members[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in members.items():
                archive.writestr(_zip_entry(path), data)
        return buffer.getvalue()

    def sdist(
        self,
        *,
        top_dir: str | None = None,
        extra_members: dict[str, bytes] | None = None,
        pkg_info: str | None = None,
    ) -> bytes:
        top = top_dir if top_dir is not None else self.stem
        members = {
            "PKG-INFO": (pkg_info or self.metadata_text()).encode(),
            "pyproject.toml": textwrap.dedent("""\
                [build-system]
                requires = []
                build-backend = "backend"
                backend-path = ["."]
            """).encode(),
            "backend.py": _IN_TREE_BACKEND.encode(),
            f"{self.module}/__init__.py": self.module_body.encode(),
        }
        members.update(extra_members or {})
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for path, data in members.items():
                info = tarfile.TarInfo(f"{top}/{path}" if top else path)
                info.size = len(data)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(data))
        return gzip.compress(buffer.getvalue(), mtime=0)

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write the wheel and the sdist into ``directory``; return their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        wheel = directory / self.wheel_filename
        wheel.write_bytes(self.wheel())
        sdist = directory / self.sdist_filename
        sdist.write_bytes(self.sdist())
        return wheel, sdist


def _zip_entry(path: str) -> zipfile.ZipInfo:
    # A fixed timestamp, so that building the same Dist twice gives the same bytes.
    info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# A complete PEP 517 backend in the standard library only: it builds the wheel from PKG-INFO
# and the package directory, so installing the sdist needs nothing from any index.
_IN_TREE_BACKEND = """\
import base64, hashlib, os, zipfile
from email.parser import Parser

def _meta():
    with open("PKG-INFO", encoding="utf-8") as f:
        text = f.read()
    msg = Parser().parsestr(text)
    return text, msg["Name"], msg["Version"]

def _norm(name):
    import re
    return re.sub(r"[-_.]+", "_", name).lower()

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(directory, config_settings=None):
    text, name, version = _meta()
    dist_info = f"{_norm(name)}-{version}.dist-info"
    os.makedirs(os.path.join(directory, dist_info), exist_ok=True)
    with open(os.path.join(directory, dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(text)
    return dist_info

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    text, name, version = _meta()
    stem = f"{_norm(name)}-{version}"
    dist_info = f"{stem}.dist-info"
    members = {}
    package = _norm(name)
    for root, _dirs, files in os.walk(package):
        for file in files:
            path = os.path.join(root, file)
            with open(path, "rb") as f:
                members[path.replace(os.sep, "/")] = f.read()
    members[f"{dist_info}/METADATA"] = text.encode()
    members[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: in-tree\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    record = []
    for path, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\\n".join(record) + "\\n").encode()
    filename = f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return filename
"""
