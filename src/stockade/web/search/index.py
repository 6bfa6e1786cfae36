"""Keep the search index in step with the projects: one entry per project, from its latest
release. Writing an entry is all it takes; the database mirrors it into the full-text index
(SQLite triggers feed FTS5; PostgreSQL computes a generated tsvector column)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from stockade.packaging.models import Project, Release
from stockade.packaging.versions import pick_latest
from stockade.web.models import SearchEntry
from stockade.web.search.terms import name_terms

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def update_search_index(project_id: int) -> None:
    """Index one project as it is now, or drop its entry if it is gone or held for review
    (a held name is never shown). Idempotent."""
    _index_projects([project_id])
    logger.info("Indexed project %s for search", project_id)


def rebuild_search_index(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> int:
    """Re-index every project in batches and drop entries of deleted projects.

    Args:
        batch_size: projects per transaction.
        progress: called with the number of projects done after each batch.

    Returns:
        The number of projects indexed.
    """
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    SearchEntry.objects.exclude(project_id__in=Project.objects.values("pk")).delete()
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        _index_projects(batch)
        if progress is not None:
            progress(len(batch))
    _rebuild_fulltext()
    return len(ids)


def index_stale_projects() -> int:
    """Index every visible project whose entry is missing or older than its serial; return how
    many. Run at start-up, so an upgraded index (or an indexing run lost to a crash) catches up
    without an operator having to remember ``stockade reindex``."""
    indexed = SearchEntry.objects.filter(project_id=OuterRef("pk"), serial__gte=OuterRef("serial"))
    stale = list(
        Project.objects.filter(held=False)
        .exclude(Exists(indexed))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(stale), BATCH_SIZE):
        _index_projects(stale[start : start + BATCH_SIZE])
    return len(stale)


def _index_projects(project_ids: Iterable[int]) -> None:
    project_ids = sorted(project_ids)
    with transaction.atomic():
        # Lock the projects so that two updates of one project (concurrent uploads) take turns
        # instead of both inserting its entry; uploads hold the same lock while they write.
        projects = list(
            Project.objects.select_for_update()
            .filter(pk__in=project_ids, held=False)
            .order_by("pk")
            .only("name", "normalized_name", "serial")
        )
        releases: dict[int, list[Release]] = defaultdict(list)
        for release in Release.objects.filter(project_id__in=project_ids).only(
            "project_id", "version", "yanked", "summary", "created"
        ):
            releases[release.project_id].append(release)
        latest = {p.pk: pick_latest(releases[p.pk]) for p in projects}
        keywords = _keywords_of(latest.values())
        # Delete, then insert: one statement each for the whole batch, and the FTS5 triggers
        # see plain inserts and deletes.
        SearchEntry.objects.filter(project_id__in=project_ids).delete()
        SearchEntry.objects.bulk_create([_entry_for(p, latest[p.pk], keywords) for p in projects])


def _keywords_of(releases: Iterable[Release | None]) -> dict[int, str]:
    """Return the keywords of these releases by release id, without loading their READMEs."""
    ids = [r.pk for r in releases if r is not None]
    rows = Release.objects.filter(pk__in=ids).values_list("pk", "metadata__keywords")
    return {pk: _keyword_text(value) for pk, value in rows}


def _keyword_text(value: object) -> str:
    if isinstance(value, str):  # Some tools send one comma-separated string.
        value = value.split(",")
    if not isinstance(value, list):
        return ""
    return " ".join(str(k).strip() for k in value if str(k).strip())


def _entry_for(project: Project, latest: Release | None, keywords: dict[int, str]) -> SearchEntry:
    normalized = project.normalized_name
    return SearchEntry(
        project_id=project.pk,
        name=project.name,
        normalized_name=normalized,
        name_terms=name_terms(normalized)[:400],
        summary=latest.summary[:512] if latest else "",
        keywords=keywords.get(latest.pk, "") if latest else "",
        version=latest.version if latest else "",
        released=latest.created if latest else None,
        serial=project.serial,
    )


def _rebuild_fulltext() -> None:
    """Rebuild the FTS5 index from its content table and merge its segments (SQLite only)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO web_searchentry_fts(web_searchentry_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO web_searchentry_fts(web_searchentry_fts) VALUES ('optimize')")
