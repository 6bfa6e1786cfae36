"""The projects every server is loaded with: small valid wheels, built once and cached.

``N`` projects named ``bench-project-0001``…, each with ``R`` releases (1.0, 1.1, …) of one
wheel, plus a separate set of 100 new releases (9.0) for the timed twine upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress
from tests.distributions import Dist

TWINE_VERSION = "9.0"


@dataclass(frozen=True)
class Wheel:
    dist: Dist
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    def form_fields(self) -> dict[str, str | list[str]]:
        """The fields twine sends with this wheel."""
        data = self.path.read_bytes()
        fields = self.dist.form_fields("bdist_wheel")
        fields["sha256_digest"] = hashlib.sha256(data).hexdigest()
        fields["blake2_256_digest"] = hashlib.blake2b(data, digest_size=32).hexdigest()
        return fields


@dataclass(frozen=True)
class Corpus:
    projects: list[str]
    wheels: list[Wheel]  # the load: every project's releases
    twine_wheels: list[Wheel]  # the timed twine upload: new releases of existing projects

    @property
    def sample_project(self) -> str:
        """The project whose page is measured: one in the middle of the list."""
        return self.projects[len(self.projects) // 2]


def project_name(number: int) -> str:
    return f"bench-project-{number:04d}"


def release_versions(releases: int) -> list[str]:
    return [f"1.{i}" for i in range(releases)]


def _dist(name: str, version: str) -> Dist:
    return Dist(
        name=name,
        version=version,
        summary=f"Benchmark project {name}",
        description=f"# {name}\n\nA project of the Stockade benchmark corpus.\n",
        module_body=f"VERSION = {version!r}\n",
    )


def build_corpus(cache: Path, *, projects: int, releases: int, twine_uploads: int = 100) -> Corpus:
    """Build (or reuse) the wheels under ``cache``."""
    names = [project_name(i) for i in range(1, projects + 1)]
    directory = cache / f"corpus-{projects}x{releases}"
    planned = [(name, version) for name in names for version in release_versions(releases)]
    twine_planned = [(name, TWINE_VERSION) for name in names[: min(twine_uploads, projects)]]
    wheels: list[Wheel] = []
    twine_wheels: list[Wheel] = []
    with Progress(transient=True) as progress:
        task = progress.add_task("Building wheels", total=len(planned) + len(twine_planned))
        for target, plan, subdir in (
            (wheels, planned, "load"),
            (twine_wheels, twine_planned, "twine"),
        ):
            for name, version in plan:
                dist = _dist(name, version)
                path = directory / subdir / dist.wheel_filename
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_suffix(".partial")
                    partial.write_bytes(dist.wheel())
                    partial.replace(path)
                target.append(Wheel(dist, path))
                progress.advance(task)
    return Corpus(names, wheels, twine_wheels)
