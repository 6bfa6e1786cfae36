"""The search index: one row per project, copied from its latest release.

The row is what the full-text index covers. On SQLite an FTS5 table mirrors it through triggers;
on PostgreSQL a generated ``tsvector`` column with a GIN index does. Both are created by raw SQL
in the migrations (see ``stockade.web.search``), so the model holds only portable columns.
"""

from __future__ import annotations

from django.db import models

from stockade.packaging.models import Project


class SearchEntry(models.Model):
    # The project's primary key is the entry's, so the FTS5 rowid is the project id.
    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, unique=True)
    name_terms = models.CharField(
        max_length=400, help_text="The name split into words, as the full-text index sees it."
    )
    summary = models.CharField(max_length=512, blank=True)
    keywords = models.TextField(blank=True, help_text="Space-separated.")
    version = models.CharField(max_length=100, blank=True, help_text="The release shown.")
    released = models.DateTimeField(null=True, blank=True)
    serial = models.BigIntegerField(default=0, help_text="The project serial indexed.")

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.normalized_name
