"""Read-only queries behind the public pages: recent releases, a project with its release
history and files, a user's projects. Projects whose names are held for review are never shown.

Each page is built in a few queries whatever its size; README bodies and metadata are loaded
only for the one release a page shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum

from stockade.accounts.models import User
from stockade.packaging.exceptions import ProjectNotFoundError
from stockade.packaging.models import File, Project, Release, Role
from stockade.packaging.services import get_project, get_release
from stockade.packaging.versions import pick_latest, version_key
from stockade.web.exceptions import UserNotFoundError
from stockade.web.readme import demote_headings

RECENT_RELEASES = 20


@dataclass(frozen=True)
class ProjectCard:
    """A line in a list of projects."""

    name: str
    normalized_name: str
    summary: str
    version: str
    released: datetime | None


@dataclass(frozen=True)
class Metadata:
    """What a release page shows from the release's core metadata."""

    author: str = ""
    author_email: str = ""
    maintainer: str = ""
    maintainer_email: str = ""
    license: str = ""
    requires_python: str = ""
    keywords: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    classifiers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    requires_dist: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    release: Release | None
    latest: Release | None
    releases: Sequence[Release]
    files: Sequence[File]
    metadata: Metadata
    owners: Sequence[User] = field(default_factory=tuple)

    @property
    def is_latest(self) -> bool:
        return self.release is not None and self.release == self.latest

    @property
    def readme_html(self) -> str:
        """The shown release's sanitized README, its headings below the page's own."""
        return demote_headings(self.release.description_html) if self.release else ""


@dataclass(frozen=True)
class UserPage:
    user: User
    projects: Sequence[ProjectCard]


@dataclass(frozen=True)
class SiteStats:
    projects: int
    releases: int
    files: int
    total_size: int


def recent_releases(*, limit: int = RECENT_RELEASES) -> list[Release]:
    """Return the newest releases, newest first, with their projects."""
    return list(
        Release.objects.filter(project__held=False)
        .select_related("project")
        .defer("metadata", "description_html")
        .order_by("-created", "-pk")[:limit]
    )


def site_stats() -> SiteStats:
    totals = Project.objects.filter(held=False).aggregate(
        projects=Count("pk"), size=Sum("total_size")
    )
    return SiteStats(
        projects=totals["projects"],
        releases=Release.objects.filter(project__held=False).count(),
        files=File.objects.filter(release__project__held=False).count(),
        total_size=totals["size"] or 0,
    )


def get_project_page(name: str, version: str | None = None) -> ProjectPage:
    """Return a project with the release to show (the latest unless ``version`` is given), its
    release history newest first, the files of the shown release and its owners.

    Raises:
        ProjectNotFoundError: no project by any spelling of ``name``, or its name is held for
            review (held projects are never shown).
        ReleaseNotFoundError: ``version`` was given and the project has no such release.
    """
    project = get_project(name)
    if project.held:
        raise ProjectNotFoundError(name)
    releases = sorted(
        project.releases.defer("metadata", "description_html"),
        key=lambda r: version_key(r.version),
        reverse=True,
    )
    latest = pick_latest(releases)
    shown = get_release(project, version) if version is not None else latest
    if shown is not None and version is None:
        shown = Release.objects.get(pk=shown.pk)  # Now with its README and metadata.
    files = list(shown.files.all()) if shown is not None else []
    owners = [
        role.user
        for role in Role.objects.filter(project=project, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]
    return ProjectPage(
        project=project,
        release=shown,
        latest=latest,
        releases=releases,
        files=files,
        metadata=read_metadata(shown.metadata if shown is not None else {}),
        owners=owners,
    )


def get_user_page(username: str) -> UserPage:
    """Return an active user and the projects they hold a role on, by name.

    Raises:
        UserNotFoundError: no active user by that name (compared without case).
    """
    users = get_user_model().objects.filter(is_active=True)
    user = (
        users.filter(username=username).first() or users.filter(username__iexact=username).first()
    )
    if user is None:
        raise UserNotFoundError(username)
    projects = Project.objects.filter(roles__user=user, held=False).order_by("normalized_name")
    return UserPage(user=user, projects=project_cards(projects))


def project_cards(projects: Iterable[Project]) -> list[ProjectCard]:
    """Return a card for each project, showing its latest release, in the order given."""
    projects = list(projects)
    releases: dict[int, list[Release]] = defaultdict(list)
    for release in Release.objects.filter(project__in=projects).only(
        "project_id", "version", "yanked", "summary", "created"
    ):
        releases[release.project_id].append(release)
    cards = []
    for project in projects:
        latest = pick_latest(releases[project.pk])
        cards.append(
            ProjectCard(
                name=project.name,
                normalized_name=project.normalized_name,
                summary=latest.summary if latest else "",
                version=latest.version if latest else "",
                released=latest.created if latest else None,
            )
        )
    return cards


def read_metadata(raw: object) -> Metadata:
    """Pick what a page shows out of stored core metadata; tolerate any shape it has."""
    data = raw if isinstance(raw, dict) else {}
    return Metadata(
        author=_text(data.get("author")),
        author_email=_text(data.get("author_email")),
        maintainer=_text(data.get("maintainer")),
        maintainer_email=_text(data.get("maintainer_email")),
        license=_text(data.get("license_expression")) or _text(data.get("license")),
        requires_python=_text(data.get("requires_python")),
        keywords=_texts(data.get("keywords")),
        links=_links(data),
        classifiers=_group_classifiers(_texts(data.get("classifiers"))),
        requires_dist=_texts(data.get("requires_dist")),
    )


def is_web_url(url: str) -> bool:
    """Return whether a URL is safe to link to: http or https with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _links(data: dict) -> tuple[tuple[str, str], ...]:
    links: list[tuple[str, str]] = []
    for label, key in (("Homepage", "home_page"), ("Download", "download_url")):
        url = _text(data.get(key))
        if url:
            links.append((label, url))
    urls = data.get("project_urls")
    if isinstance(urls, dict):
        links += [(_text(label), _text(url)) for label, url in urls.items()]
    elif isinstance(urls, list):  # "Label, URL" entries, as in METADATA.
        for entry in urls:
            label, _, url = _text(entry).partition(",")
            links.append((label.strip(), url.strip()))
    seen: set[str] = set()
    safe = []
    for label, url in links:
        if is_web_url(url) and url not in seen:
            seen.add(url)
            safe.append((label or url, url))
    return tuple(safe)


def _group_classifiers(classifiers: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Group "Topic :: Software Development :: Libraries" under "Topic", keeping order."""
    groups: dict[str, list[str]] = {}
    for classifier in classifiers:
        head, _, rest = classifier.partition(" :: ")
        groups.setdefault(head.strip(), []).append(rest.strip() or head.strip())
    return tuple((head, tuple(items)) for head, items in groups.items())


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)
