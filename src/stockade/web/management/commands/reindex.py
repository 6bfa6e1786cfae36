"""``stockade reindex``: rebuild the project search index from the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.progress import Progress

from stockade.packaging.models import Project
from stockade.web.search import rebuild_search_index


class Command(BaseCommand):
    help = "Rebuild the search index of every project (e.g. after a restore or an upgrade)."

    def handle(self, *args, **options) -> None:
        total = Project.objects.count()
        with Progress(disable=not total) as progress:
            task = progress.add_task("Indexing", total=total)
            count = rebuild_search_index(progress=lambda done: progress.advance(task, done))
        self.stdout.write(f"Indexed {count} project(s) for search.")
