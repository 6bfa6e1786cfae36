"""``stockade publish``: re-render every project's simple pages and the project list."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from rich.progress import track

from stockade.packaging.models import Project
from stockade.simple.services import publish_index, publish_project


class Command(BaseCommand):
    help = "Re-render and store every simple page (e.g. after restoring files)."

    def handle(self, *args, **options) -> None:
        ids = list(Project.objects.values_list("pk", flat=True))
        for project_id in track(ids, description="Publishing", disable=not ids):
            publish_project(project_id)
        publish_index()
        self.stdout.write(f"Published {len(ids)} project(s).")
