"""The name policy's data: protected names, prohibited names, exceptions, held names, and the
version counter that tells every process when its in-memory protected index is stale."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stockade.names.index import ultranormalize
from stockade.names.rules import normalize


class ProtectedName(models.Model):
    """A name whose typosquats are refused or held. ``rank`` 1 is the most important."""

    class Source(models.TextChoices):
        IMPORTED = "imported", _("imported list")
        DEPENDENCIES = "dependencies", _("most depended-upon here")

    normalized_name = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=Source.choices)
    rank = models.PositiveIntegerField()
    weight = models.BigIntegerField(
        default=0, help_text="Download count (imported) or number of dependent projects."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "normalized_name"], name="names_protected_unique_per_source"
            ),
        ]
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.normalized_name


class ProhibitedName(models.Model):
    """A name nobody may register (nor any confusable spelling of it)."""

    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, unique=True, editable=False)
    ultranormalized_name = models.CharField(max_length=200, editable=False)
    reason = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalized_name = normalize(self.name)
        self.ultranormalized_name = ultranormalize(self.normalized_name)
        super().save(*args, **kwargs)


class NameException(models.Model):
    """A name the administrators allow despite the rules, for one user or (``user`` empty)
    for anyone."""

    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="name_exceptions",
    )
    note = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name", "user"], name="names_one_exception_per_user"
            ),
        ]
        indexes = [models.Index(fields=["normalized_name"], name="names_exception_name_idx")]
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalized_name = normalize(self.name)
        super().save(*args, **kwargs)


class NameHold(models.Model):
    """Why a held project waits for review: the rule and the name it resembles."""

    project = models.OneToOneField(
        "packaging.Project", on_delete=models.CASCADE, related_name="name_hold"
    )
    rule = models.CharField(max_length=64)
    resembles = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.project} ({self.rule})"


class PolicyVersion(models.Model):
    """One row whose ``version`` goes up whenever the protected or prohibited names change;
    each process rebuilds its cached index when the number it built from is behind."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)
