"""What the publisher needs beyond the signed files in storage.

``PendingChange`` is the queue of projects whose targets changed and are not yet signed;
``PublishedTarget`` is the signed target set, one row per target path, so that a bin can be
rebuilt from rows without reading every bin back from storage.
"""

from __future__ import annotations

from django.db import models

#: ``PendingChange.project`` value for the project list (``simple/index.*``).
INDEX = ""


class PendingChange(models.Model):
    """A project (or the project list) whose simple pages were written or removed.

    ``pages`` holds the length and SHA-256 of the page bytes *as rendered* (path -> [length,
    sha256]), taken in the process that rendered them: the publisher signs these, never
    whatever storage holds by then, so a write to storage cannot get itself signed.
    """

    project = models.CharField(max_length=200, blank=True, help_text="Normalized name; '' = index")
    pages = models.JSONField(null=True, help_text="path -> [length, sha256]; null: removed")
    serial = models.BigIntegerField(default=0, help_text="The project serial the pages show.")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.project or "<project list>"


class PublishedTarget(models.Model):
    """One signed target: a distribution file, its metadata file, or a simple page."""

    path = models.CharField(max_length=600, unique=True)
    project = models.CharField(max_length=200, db_index=True, blank=True)
    bin = models.CharField(max_length=32, db_index=True)
    length = models.BigIntegerField()
    hashes = models.JSONField()
    serial = models.BigIntegerField(default=0, help_text="The project serial it was signed at.")

    def __str__(self) -> str:
        return self.path


class RoleExpiry(models.Model):
    """When each signed role expires, so the refresher knows what to re-sign without reading
    every bin back from storage."""

    role = models.CharField(max_length=32, unique=True)
    version = models.PositiveIntegerField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.role} v{self.version}"
