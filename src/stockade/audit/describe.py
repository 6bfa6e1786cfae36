"""Turn stored events into plain words for the history pages."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from stockade.audit.actors import Means
from stockade.audit.models import AuditEvent
from stockade.audit.tags import SENTENCES, Tag


@dataclass(frozen=True)
class EventRow:
    """One event as a history page shows it."""

    event: AuditEvent
    when: datetime
    sentence: str
    actor: str
    means: str
    ip: str | None
    ip_hash: str
    tag_label: str

    @property
    def ip_fingerprint(self) -> str:
        return self.ip_hash[:12]


class _Values(dict[str, Any]):
    """Format values; a placeholder with no value reads as a dash instead of raising."""

    def __missing__(self, key: str) -> str:
        return "—"


_formatter = string.Formatter()


def actor_text(event: AuditEvent) -> str:
    if _is_user(event):
        return event.actor_label or _("a deleted user")
    if event.actor_means == Means.CLI:
        return _("the operator %(login)s") % {"login": event.actor_label}
    if event.actor_means == Means.SYSTEM:
        return _("Stockade")
    return _("someone not logged in")


def means_text(event: AuditEvent) -> str:
    if event.actor_means == Means.TOKEN:
        return _("API token “%(name)s”") % {"name": event.token_name}
    try:
        return str(Means(event.actor_means).label)
    except ValueError:
        return event.actor_means


def sentence_for(event: AuditEvent) -> str:
    template = SENTENCES.get(event.tag)
    if template is None:
        return _("%(tag)s by %(actor)s") % {"tag": event.tag, "actor": actor_text(event)}
    values = _Values(
        {key: value for key, value in (event.details or {}).items() if isinstance(key, str)}
    )
    values.update(
        actor=actor_text(event),
        subject=event.subject_label or "—",
        project=event.project_name or "—",
        token=event.token_name or event.subject_label or "—",
    )
    text = _formatter.vformat(str(template), (), values)
    if _is_user(event) or not str(template).startswith("{actor}"):
        return text  # user names keep their own spelling
    return text[:1].upper() + text[1:]


def _is_user(event: AuditEvent) -> bool:
    return event.actor_user_id is not None or event.actor_means in {Means.SESSION, Means.TOKEN}


def describe_event(event: AuditEvent) -> EventRow:
    try:
        tag_label = str(Tag(event.tag).label)
    except ValueError:
        tag_label = event.tag
    return EventRow(
        event=event,
        when=event.created,
        sentence=sentence_for(event),
        actor=actor_text(event),
        means=means_text(event),
        ip=event.ip,
        ip_hash=event.ip_hash,
        tag_label=tag_label,
    )
