"""Record audit events, and read them back for the history pages.

Wiring an action takes one call, inside the action's own transaction::

    with transaction.atomic():
        release.yanked = True
        release.save()
        record_event(tag=Tag.RELEASE_YANK, actor=actor, subject=release,
                     details={"reason": reason})

If the transaction rolls back, the event goes with it. After commit the event is sealed into the
hash chain (``sealing.seal_pending_events``) without making the caller wait for other writers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from packaging.utils import canonicalize_name

from stockade.audit import chain
from stockade.audit.actors import (
    Actor,
    Means,
    TokenRef,
    actor_for_cli,
    actor_for_token,
    actor_from_request,
    anonymous_actor,
    system_actor,
)
from stockade.audit.exceptions import HistoryNotFoundError, UnknownTagError, UnsupportedSubjectError
from stockade.audit.iphash import hash_ip
from stockade.audit.models import AuditEvent, AuditEventQuerySet
from stockade.audit.sealing import seal_after_commit
from stockade.audit.tags import Tag, is_known_tag

if TYPE_CHECKING:
    from stockade.accounts.models import User
    from stockade.packaging.models import Project

__all__ = [
    "Actor",
    "EventFilters",
    "Means",
    "Subject",
    "Tag",
    "TokenRef",
    "actor_for_cli",
    "actor_for_token",
    "actor_from_request",
    "anonymous_actor",
    "events_for_user",
    "get_project_history",
    "note_token_use",
    "purge_raw_ips",
    "record_event",
    "search_events",
    "system_actor",
]

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
DEFAULT_IP_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Subject:
    """What an event is about, with the label it had at the time.

    ``user_id`` is the account the subject belongs to (the user itself, a token's or an email
    address's owner, a role's holder): the event then shows in that user's security history.
    """

    type: str
    id: str
    label: str
    user_id: int | None = None
    project: Project | None = None


def subject_of(obj: object) -> Subject:
    """Return the ``Subject`` for a user, project, release, file, token or email address.

    Raises:
        UnsupportedSubjectError: ``obj`` is none of those.
    """
    from stockade.accounts.models import Email, User
    from stockade.packaging.models import File, Project, Release
    from stockade.tokens.models import ApiToken

    if isinstance(obj, Subject):
        return obj
    pk = "" if getattr(obj, "pk", None) is None else str(obj.pk)  # type: ignore[attr-defined]
    if isinstance(obj, User):
        return Subject("user", pk, obj.get_username(), user_id=obj.pk)
    if isinstance(obj, Project):
        return Subject("project", pk, obj.name, project=obj)
    if isinstance(obj, Release):
        return Subject("release", pk, f"{obj.project.name} {obj.version}", project=obj.project)
    if isinstance(obj, File):
        return Subject("file", pk, obj.filename, project=obj.release.project)
    if isinstance(obj, ApiToken):
        return Subject("token", pk, obj.name, user_id=obj.user_id)
    if isinstance(obj, Email):
        return Subject("email", pk, obj.email, user_id=obj.user_id)
    raise UnsupportedSubjectError(obj)


def record_event(
    *,
    tag: Tag | str,
    actor: Actor,
    subject: object | None = None,
    project: Project | None = None,
    details: Mapping[str, JsonValue] | None = None,
) -> AuditEvent | None:
    """Record one audit event in the caller's transaction (if any) and seal it after commit.

    Args:
        tag: a tag from ``stockade.audit.tags.Tag``.
        actor: built at the edge with ``actor_from_request``, ``actor_for_token``,
            ``actor_for_cli`` or ``system_actor``.
        subject: a User, Project, Release, File, ApiToken or Email (or a ``Subject``). Record
            before deleting it, so its id is still known; its label is kept either way.
        project: the project concerned; taken from a release or file subject when omitted.
        details: JSON values shown in the sentence (``reason``, ``role``, …) and kept sealed.
            Never put secrets here: events are exported in full.

    Returns:
        The new, still unsealed, event; None when recording is off
        (``STOCKADE_AUDIT_RECORDING``, for benchmarks only: nothing is written).

    Raises:
        UnknownTagError: ``tag`` is not in the registry.
        UnsupportedSubjectError: ``subject`` is of a kind the log does not know.
        TypeError, ValueError: ``details`` is not plain JSON.
    """
    if not recording_enabled():
        return None
    if not is_known_tag(str(tag)):
        raise UnknownTagError(str(tag))
    details = dict(details or {})
    chain.canonical_json(details)  # fail now, not at sealing time, on values JSON cannot hold
    about = subject_of(subject) if subject is not None else None
    if project is None and about is not None:
        project = about.project
    ip_hash = hash_ip(actor.ip)
    event = AuditEvent(
        tag=str(tag),
        created=timezone.now(),
        actor_means=str(actor.means),
        actor_user_id=actor.user.pk if actor.user is not None else None,
        actor_label=actor.display_name[:150],
        token_id=actor.token.id if actor.token is not None else "",
        token_name=actor.token.name[:100] if actor.token is not None else "",
        subject_type=about.type if about else "",
        subject_id=about.id if about else "",
        subject_label=about.label[:255] if about else "",
        subject_user_id=about.user_id if about else None,
        project_id=project.pk if project is not None else None,
        project_name=project.name if project is not None else "",
        ip_hash=ip_hash,
        ip=actor.ip if ip_retention_days() > 0 else None,
        user_agent=actor.user_agent,
        details=details,
    )
    event.save(force_insert=True)
    if (
        getattr(settings, "STOCKADE_AUDIT_SEAL", "inline") != "periodic"
        and not _sealing_scheduled()
    ):
        transaction.on_commit(seal_after_commit, robust=True)
    return event


def _sealing_scheduled() -> bool:
    """Whether this transaction already seals after commit: one run seals all its events.

    An upload records three events; without this, two extra sealers would run after its commit
    only to find nothing pending. A hook registered inside a savepoint that is later rolled back
    is dropped together with that savepoint's events, and any event recorded afterwards (outside
    it) finds no hook and registers its own, so no committed event is left without a sealer.
    """
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        hook is seal_after_commit for _sids, hook, _robust in connection.run_on_commit
    )


def note_token_use(actor: Actor) -> AuditEvent | None:
    """Record ``token:new-ip`` when the actor's token is used from an address not seen before.

    Call it wherever a token authenticates a request (the upload endpoint). Returns the event,
    or None for a known address, a non-token actor or an unknown address.
    """
    if not recording_enabled() or actor.token is None or actor.user is None:
        return None
    ip_hash = hash_ip(actor.ip)
    if not ip_hash or AuditEvent.objects.filter(token_id=actor.token.id, ip_hash=ip_hash).exists():
        return None
    token = Subject("token", actor.token.id, actor.token.name, user_id=actor.user.pk)
    return record_event(tag=Tag.TOKEN_NEW_IP, actor=actor, subject=token)


def recording_enabled() -> bool:
    """False only when ``STOCKADE_AUDIT_RECORDING`` is off: a benchmark's baseline, never production."""
    return bool(getattr(settings, "STOCKADE_AUDIT_RECORDING", True))


def ip_retention_days() -> int:
    return int(getattr(settings, "STOCKADE_AUDIT_IP_RETENTION_DAYS", DEFAULT_IP_RETENTION_DAYS))


def purge_raw_ips(*, actor: Actor, days: int | None = None, now: datetime | None = None) -> int:
    """Clear the raw IP of events older than ``days`` (the retention setting by default).

    The keyed hash stays, so events can still be grouped by address. The purge records an
    ``audit:purge-ips`` event in the same transaction. Returns how many addresses were cleared.
    """
    days = ip_retention_days() if days is None else days
    if days < 0:
        raise ValueError("days must be zero or more")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        count = AuditEvent.objects.filter(created__lt=cutoff, ip__isnull=False).update(ip=None)
        record_event(
            tag=Tag.AUDIT_PURGE_IPS,
            actor=actor,
            details={"days": days, "count": count, "before": cutoff.isoformat()},
        )
    return count


def events_for_user(user: User) -> AuditEventQuerySet:
    """Return the user's security history: what they did, and what was done to their account."""
    return AuditEvent.objects.involving_user(user.pk)


def get_project_history(*, viewer: User, project_name: str) -> tuple[Project, AuditEventQuerySet]:
    """Return a project and its events, for one of its owners or maintainers.

    Raises:
        HistoryNotFoundError: no such project, or ``viewer`` holds no role on it (the two look
            the same, so the page does not reveal which projects exist).
    """
    from stockade.packaging.models import Project, Role

    project = Project.objects.filter(normalized_name=canonicalize_name(project_name)).first()
    if project is None or not Role.objects.filter(project=project, user_id=viewer.pk).exists():
        raise HistoryNotFoundError(project_name)
    return project, AuditEvent.objects.filter(project_id=project.pk)


@dataclass(frozen=True)
class EventFilters:
    """The admin log's filters; empty ones are ignored."""

    user: str = ""
    project: str = ""
    tag: str = ""
    ip: str = ""
    since: datetime | None = None
    until: datetime | None = None


_HEX = re.compile(r"[0-9a-f]{8,64}")


def search_events(filters: EventFilters) -> AuditEventQuerySet:
    """Return every event matching ``filters``, newest first.

    ``user`` matches the actor or the subject account by name; ``project`` by any spelling of
    the name; ``ip`` takes an address (hashed here) or a hash or a prefix of at least 8 digits.
    """
    from stockade.accounts.models import User
    from stockade.packaging.models import Project

    events = AuditEvent.objects.all()
    if filters.user:
        named = models.Q(actor_label__iexact=filters.user) | models.Q(
            subject_type="user", subject_label__iexact=filters.user
        )
        user = User.objects.filter(username__iexact=filters.user).first()
        if user is not None:
            named |= (
                models.Q(actor_user_id=user.pk)
                | models.Q(subject_user_id=user.pk)
                | models.Q(subject_type="user", subject_id=str(user.pk))
            )
        events = events.filter(named)
    if filters.project:
        project = Project.objects.filter(normalized_name=canonicalize_name(filters.project)).first()
        by_name = models.Q(project_name__iexact=filters.project)
        events = events.filter(by_name | models.Q(project_id=project.pk) if project else by_name)
    if filters.tag:
        events = events.filter(tag=filters.tag)
    if filters.ip:
        events = events.filter(_ip_filter(filters.ip.strip()))
    if filters.since is not None:
        events = events.filter(created__gte=filters.since)
    if filters.until is not None:
        events = events.filter(created__lt=filters.until)
    return events


def _ip_filter(value: str) -> models.Q:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        return models.Q(ip_hash=hash_ip(value))
    lowered = value.lower()
    if _HEX.fullmatch(lowered):
        return models.Q(ip_hash__startswith=lowered)
    return models.Q(pk__in=[])
