"""Audit events and the signed checkpoints of their hash chain.

Events point at users, tokens and projects by plain id columns plus a label copied at the time,
not by foreign keys: a deleted user or project must neither take its history with it (CASCADE)
nor change a sealed row (SET_NULL would alter hashed fields). Ids are never reused: PostgreSQL
uses sequences and Django's SQLite tables use AUTOINCREMENT.

An event is inserted unsealed (``seq`` NULL). The sealer (``sealing.seal_pending_events``) later
gives it its chain position and hashes; after that the row never changes except for ``ip``, the
raw address, which is outside the hash so that the retention purge can clear it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models

from stockade.audit.actors import Means


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def sealed(self) -> AuditEventQuerySet:
        return self.filter(seq__isnull=False)

    def unsealed(self) -> AuditEventQuerySet:
        return self.filter(seq__isnull=True)

    def involving_user(self, user_id: int) -> AuditEventQuerySet:
        """Events the user did, or that were done to the user's account."""
        return self.filter(
            models.Q(actor_user_id=user_id)
            | models.Q(subject_user_id=user_id)
            | models.Q(subject_type="user", subject_id=str(user_id))
        )


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    tag = models.CharField(max_length=64)
    created = models.DateTimeField()
    actor_means = models.CharField(max_length=16, choices=Means.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    token_id = models.CharField(max_length=36, blank=True, help_text="The token used, if any.")
    token_name = models.CharField(max_length=100, blank=True)
    subject_type = models.CharField(max_length=16, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=255, blank=True)
    subject_user_id = models.BigIntegerField(
        null=True, blank=True, help_text="The account the subject belongs to, for its history."
    )
    project_id = models.BigIntegerField(null=True, blank=True)
    project_name = models.CharField(max_length=200, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(
        null=True, blank=True, help_text="Raw address; cleared after the retention period."
    )
    user_agent = models.CharField(max_length=512, blank=True)
    details = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["actor_user_id", "-created"], name="audit_actor_created"),
            models.Index(fields=["subject_user_id", "-created"], name="audit_subjuser_created"),
            models.Index(
                fields=["subject_type", "subject_id", "-created"], name="audit_subject_created"
            ),
            models.Index(fields=["project_id", "-created"], name="audit_project_created"),
            models.Index(fields=["tag", "-created"], name="audit_tag_created"),
            models.Index(fields=["ip_hash"], name="audit_ip_hash"),
            models.Index(fields=["token_id", "ip_hash"], name="audit_token_ip"),
            models.Index(fields=["created"], name="audit_created"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} #{self.id}"

    def chain_record(self) -> dict[str, Any]:
        """Return the fields the chain hashes, as JSON values (see ``chain.HASHED_FIELDS``)."""
        return {
            "id": self.id,
            "seq": self.seq,
            "tag": self.tag,
            "created": format_time(self.created),
            "actor_means": self.actor_means,
            "actor_user_id": self.actor_user_id,
            "actor_label": self.actor_label,
            "token_id": self.token_id,
            "token_name": self.token_name,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "subject_label": self.subject_label,
            "subject_user_id": self.subject_user_id,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "ip_hash": self.ip_hash,
            "user_agent": self.user_agent,
            "details": self.details,
        }

    def sealed_record(self) -> dict[str, Any]:
        """Return ``chain_record`` plus the chain fields, as exported and verified."""
        return {**self.chain_record(), "prev_hash": self.prev_hash, "hash": self.hash}

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None


class AuditCheckpoint(models.Model):
    """A signature over the chain's hash at ``seq``, written in the transaction that sealed it."""

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    created = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128, help_text="Ed25519, base64.")

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at {self.seq}"

    def as_record(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "time": format_time(self.created),
            "key_id": self.key_id,
            "signature": self.signature,
        }


def format_time(value: datetime) -> str:
    """Return an aware datetime as the fixed UTC text the chain hashes."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
