"""Projects, releases, files and the roles people hold on projects.

Rows describe content; the bytes live in the ``packages`` storage at content-addressed paths
(see ``storage_paths``). Files are written before the rows that point at them and removed only
after those rows are gone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from packaging.utils import canonicalize_name

from stockade.names.index import ultranormalize


class Project(models.Model):
    name = models.CharField(max_length=200, help_text="The name as its first uploader spelled it.")
    normalized_name = models.CharField(max_length=200, unique=True, editable=False)
    # The confusable skeleton (stockade.names), so a new name's look-alikes are one lookup.
    ultranormalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    # A new name held for review (stockade.names): stored, but never published or shown.
    held = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    total_size = models.BigIntegerField(default=0, help_text="Bytes of all its files.")
    # Every change bumps ``serial`` in its transaction; the publisher records the serial it
    # rendered. serial > published_serial means the stored pages are behind (e.g. a crash
    # between commit and render) and the next publish run catches up.
    serial = models.BigIntegerField(default=1)
    published_serial = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Lookups go only through the PEP 503 form, so it must always match the display name.
        self.normalized_name = canonicalize_name(self.name)
        self.ultranormalized_name = ultranormalize(self.normalized_name)
        super().save(*args, **kwargs)


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=100, help_text="As the uploader wrote it.")
    canonical_version = models.CharField(max_length=100, editable=False)
    metadata = models.JSONField(default=dict, help_text="Core metadata, keyed as in the JSON API.")
    summary = models.CharField(max_length=512, blank=True)
    requires_python = models.CharField(max_length=200, blank=True)
    description_html = models.TextField(blank=True, help_text="The rendered, sanitized README.")
    yanked = models.BooleanField(default=False)
    yanked_reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "canonical_version"], name="packaging_release_unique_version"
            ),
        ]
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.project.name} {self.version}"


class File(models.Model):
    class PackageType(models.TextChoices):
        WHEEL = "bdist_wheel", "wheel"
        SDIST = "sdist", "source distribution"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=255, unique=True)
    path = models.CharField(max_length=512, unique=True, help_text="Path in package storage.")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    blake2_256 = models.CharField(max_length=64)
    md5 = models.CharField(max_length=32)
    packagetype = models.CharField(max_length=16, choices=PackageType.choices)
    python_version = models.CharField(max_length=50, help_text="The pyversion field, e.g. py3.")
    requires_python = models.CharField(max_length=200, blank=True)
    metadata_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the extracted METADATA (PEP 658), wheels only.",
    )
    upload_time = models.DateTimeField(auto_now_add=True)
    uploaded_via = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["filename"]

    def __str__(self) -> str:
        return self.filename

    @property
    def metadata_path(self) -> str:
        return f"{self.path}.metadata"


class UsedFilename(models.Model):
    """Every filename ever accepted. Never deleted, so a removed file's name cannot come back
    with other bytes (installers cache by name, and lock files pin by hash)."""

    filename = models.CharField(max_length=255, primary_key=True)
    project_name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Role(models.Model):
    class Name(models.TextChoices):
        OWNER = "owner", _("Owner")
        MAINTAINER = "maintainer", _("Maintainer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=16, choices=Name.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="packaging_one_role_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.project}"


class RoleInvitation(models.Model):
    """An owner's offer of a role to another user; it becomes a Role only when accepted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_invitations"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(max_length=16, choices=Role.Name.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "invitee"], name="packaging_one_invitation_per_user"
            ),
        ]
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.invitee} invited as {self.role} of {self.project}"
