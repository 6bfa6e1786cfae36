"""API tokens. The database holds what is needed to check a token, never enough to mint one:
each token's macaroon root key is derived from a per-token salt stored here *and* a server key
derived from the secret key, which lives outside the database (see docs/tokens.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_salt = models.CharField(max_length=64, editable=False)
    projects = models.JSONField(
        default=list,
        blank=True,
        help_text="Normalized project names this token is limited to; empty means all of the "
        "user's projects. Mirrors the macaroon's caveat for display.",
    )
    created = models.DateTimeField(auto_now_add=True)
    not_before = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_user_wide(self) -> bool:
        return not self.projects
