"""The name policy's services: judge a new project name, hold or refuse it, and let
administrators review held names and manage exceptions, prohibited and protected names.

Collisions with existing projects are direct, indexed queries (``Project.normalized_name`` and
``Project.ultranormalized_name``), so a name is protected the moment its project exists. The
protected-name typosquat index is built in memory from the database and cached per process; a
version counter in the database (``PolicyVersion``) says when it must be rebuilt.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from stockade.accounts.models import User
from stockade.audit.services import Actor, Subject, Tag, record_event, system_actor
from stockade.names.exceptions import (
    HeldNameNotFoundError,
    InvalidNameListError,
    InvalidPolicyError,
    NameRefusedError,
)
from stockade.names.index import ProtectedEntry, ProtectedIndex, ultranormalize
from stockade.names.models import (
    NameException,
    NameHold,
    PolicyVersion,
    ProhibitedName,
    ProtectedName,
)
from stockade.names.rules import RULES, Policy, Verdict, evaluate_name, normalize, stdlib_names
from stockade.packaging.models import Project, Release, Role

logger = logging.getLogger(__name__)

_DECISIONS = {"allow", "hold", "refuse", "tiered"}


# --- the cached policy state ----------------------------------------------------------------


@dataclass(frozen=True)
class PolicyState:
    """What a check needs besides the database: built once per policy version."""

    version: int
    protected: ProtectedIndex
    prohibited: dict[str, str]  # ultranormalized skeleton -> prohibited normalized name


_state: PolicyState | None = None
_state_lock = threading.Lock()


def current_policy_version() -> int:
    row = PolicyVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def bump_policy_version() -> None:
    """Mark every process's cached index stale. Call inside the transaction of the change."""
    if not PolicyVersion.objects.filter(pk=1).update(version=F("version") + 1):
        try:
            with transaction.atomic():
                PolicyVersion.objects.create(pk=1, version=1)
        except IntegrityError:  # another writer created it first
            PolicyVersion.objects.filter(pk=1).update(version=F("version") + 1)


def load_policy_state(version: int | None = None) -> PolicyState:
    """Return the cached state, rebuilt if the database's policy version (read unless given)
    moved on."""
    global _state
    if version is None:
        version = current_policy_version()
    state = _state
    if state is not None and state.version == version:
        return state
    with _state_lock:
        if _state is None or _state.version != version:
            _state = _build_state(version)
            # The index is hundreds of thousands of long-lived objects: keep the cyclic
            # garbage collector from walking them again and again (checks stay under 1 ms).
            gc.collect()
            gc.freeze()
        return _state


def _build_state(version: int) -> PolicyState:
    entries = (
        ProtectedEntry(name, rank)
        for name, rank in ProtectedName.objects.values_list("normalized_name", "rank").iterator()
    )
    protected = ProtectedIndex.build(
        entries, min_edit_length=settings.STOCKADE_NAMES_MIN_EDIT_LENGTH
    )
    prohibited = dict(ProhibitedName.objects.values_list("ultranormalized_name", "normalized_name"))
    logger.info("Built the protected-name index: %s names, version %s", len(protected), version)
    return PolicyState(version=version, protected=protected, prohibited=prohibited)


def configured_policy() -> Policy:
    """Return the policy from STOCKADE_NAMES_DECISIONS and STOCKADE_NAMES_REFUSE_TOP.

    Raises:
        InvalidPolicyError: an unknown rule or decision.
    """
    decisions = {}
    for item in filter(
        None, (part.strip() for part in settings.STOCKADE_NAMES_DECISIONS.split(","))
    ):
        rule, _, decision = (text.strip() for text in item.partition("="))
        if rule not in RULES or decision not in _DECISIONS:
            raise InvalidPolicyError(
                f"STOCKADE_NAMES_DECISIONS: {item!r} is not RULE=DECISION with a known rule "
                f"and one of {', '.join(sorted(_DECISIONS))}."
            )
        decisions[rule] = decision
    return Policy(decisions=decisions, refuse_top=settings.STOCKADE_NAMES_REFUSE_TOP)


# --- judging a name -------------------------------------------------------------------------


def check_project_name(*, name: str, user: User | None = None) -> Verdict:
    """Return the policy's verdict on ``name`` as a new project of ``user``, changing nothing.

    An exception an administrator added (for anyone, or for this user) allows the name.
    """
    normalized = normalize(name)
    facts = _fetch_facts(normalized, user)
    if None in facts.exception_users or (user is not None and user.pk in facts.exception_users):
        return Verdict(name=name, normalized=normalized, decision="allow", rule="exception")
    state = load_policy_state(facts.version)
    return evaluate_name(
        name,
        existing=facts,
        protected=state.protected,
        prohibited=state.prohibited,
        stdlib=stdlib_names(),
        owned=facts.owned,
        policy=configured_policy(),
    )


@dataclass
class _NameFacts:
    """Everything a check reads from the database, fetched in one round trip."""

    version: int = 0
    exception_users: set[int | None] = field(default_factory=set)
    same: str | None = None
    confusable: list[str] = field(default_factory=list)
    owned: set[str] = field(default_factory=set)

    def find_same(self, normalized: str) -> str | None:
        return self.same

    def find_confusable(self, skeleton: str) -> list[str]:
        return self.confusable


def _fetch_facts(normalized: str, user: User | None) -> _NameFacts:
    # One UNION query instead of five ORM queries: a check runs on every new project and
    # in bulk from ``stockade names check``, and most of its time was query compilation.
    # Only table names (from the models) are formatted in; every value is a parameter.
    project, role = Project._meta.db_table, Role._meta.db_table
    versions, exceptions = PolicyVersion._meta.db_table, NameException._meta.db_table
    parts = [
        f"SELECT 'v', CAST(version AS TEXT) FROM {versions} WHERE id = 1",  # noqa: S608
        f"SELECT 'e', CAST(user_id AS TEXT) FROM {exceptions} "  # noqa: S608
        "WHERE normalized_name = %s",
        f"SELECT 'p', normalized_name FROM {project} WHERE normalized_name = %s",  # noqa: S608
        f"SELECT 'c', normalized_name FROM {project} WHERE ultranormalized_name = %s",  # noqa: S608
    ]
    params: list[object] = [normalized, normalized, ultranormalize(normalized)]
    if user is not None:
        parts.append(
            f"SELECT 'o', p.normalized_name FROM {project} p JOIN {role} r "  # noqa: S608
            "ON r.project_id = p.id WHERE r.user_id = %s AND r.role = %s"
        )
        params += [user.pk, Role.Name.OWNER]
    facts = _NameFacts()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, value in cursor.fetchall():
            if kind == "v":
                facts.version = int(value)
            elif kind == "e":
                facts.exception_users.add(int(value) if value is not None else None)
            elif kind == "p":
                facts.same = value
            elif kind == "c":
                facts.confusable.append(value)
            else:
                facts.owned.add(value)
    return facts


def screen_new_project_name(*, name: str, user: User, actor: Actor) -> Verdict:
    """Judge a name about to become a new project; record and raise a refusal.

    Returns:
        The verdict, ``allow`` or ``hold`` (then create the project with
        ``reserve_held_project``).

    Raises:
        NameRefusedError: the name is refused; ``name:refused`` has been recorded.
    """
    verdict = check_project_name(name=name, user=user)
    if verdict.decision == "refuse":
        with transaction.atomic():
            record_event(
                tag=Tag.NAME_REFUSED,
                actor=actor,
                subject=_name_subject(name),
                details=_verdict_details(verdict),
            )
        logger.info("Refused project name by rule %s", verdict.rule)
        raise NameRefusedError(verdict, contact=settings.STOCKADE_ADMIN_CONTACT)
    return verdict


def reserve_held_project(*, name: str, user: User, actor: Actor, verdict: Verdict) -> Project:
    """Create ``name`` as a held project owned by ``user``: its uploads are stored but nothing
    is published until an administrator approves it. Records ``name:held``.

    If a concurrent request created the project first, return that one unchanged.
    """
    try:
        with transaction.atomic():
            project = Project.objects.create(name=name, held=True)
            Role.objects.create(user=user, project=project, role=Role.Name.OWNER)
            NameHold.objects.create(
                project=project, rule=verdict.rule, resembles=verdict.resembles, requested_by=user
            )
            record_event(
                tag=Tag.NAME_HELD,
                actor=actor,
                subject=project,
                details=_verdict_details(verdict),
            )
    except IntegrityError:
        return Project.objects.get(normalized_name=normalize(name))
    logger.info("Held new project name for review by rule %s", verdict.rule)
    return project


def held_notice(project: Project) -> str:
    """Return the sentence an uploader sees for a held project, or "" if it is not held."""
    if not project.held:
        return ""
    hold = NameHold.objects.filter(project=project).first()
    why = ""
    if hold is not None:
        why = f" because it resembles {hold.resembles!r} ({hold.rule}: {RULES.get(hold.rule, '')})"
    return (
        f"The project name {project.name!r} is held for review{why}. The file is stored but "
        "will not be published until an index administrator approves the name."
    )


# --- administrators' review ---------------------------------------------------------------


def list_held_names() -> list[NameHold]:
    return list(
        NameHold.objects.select_related("project", "requested_by").order_by("created", "pk")
    )


def _get_hold(project_name: str) -> NameHold:
    hold = (
        NameHold.objects.select_related("project")
        .filter(project__normalized_name=normalize(project_name), project__held=True)
        .first()
    )
    if hold is None:
        raise HeldNameNotFoundError(project_name)
    return hold


def approve_held_name(*, actor: Actor, project_name: str) -> Project:
    """Un-hold a project and publish it. Records ``name:approved``.

    Raises:
        HeldNameNotFoundError: no such held project.
    """
    from stockade.packaging.services import mark_project_changed
    from stockade.simple.services import publish_index

    with transaction.atomic():
        hold = _get_hold(project_name)
        project = hold.project
        record_event(
            tag=Tag.NAME_APPROVED,
            actor=actor,
            subject=project,
            details={"rule": hold.rule, "resembles": hold.resembles},
        )
        Project.objects.filter(pk=project.pk).update(held=False)
        hold.delete()
        mark_project_changed(project.pk)
        transaction.on_commit(publish_index, robust=True)
    project.refresh_from_db()
    return project


def refuse_held_name(*, actor: Actor, project_name: str) -> None:
    """Refuse a held name: delete the project and its files. Records ``name:refused`` (by the
    administrator) and ``project:remove`` (by Stockade, which carries out the deletion).

    Raises:
        HeldNameNotFoundError: no such held project.
    """
    from stockade.packaging.services import remove_project

    with transaction.atomic():
        hold = _get_hold(project_name)
        record_event(
            tag=Tag.NAME_REFUSED,
            actor=actor,
            subject=hold.project,
            details={
                "name": hold.project.name,
                "rule": hold.rule,
                "resembles": hold.resembles,
                "decision": "refuse",
            },
        )
        remove_project(actor=system_actor(), project_name=hold.project.normalized_name)


def add_exception(
    *, actor: Actor, name: str, user: User | None = None, note: str = ""
) -> NameException:
    """Allow ``name`` despite the rules, for ``user`` or for anyone. Records
    ``name:exception-added``; adding an existing exception returns it unchanged."""
    with transaction.atomic():
        existing = NameException.objects.filter(normalized_name=normalize(name), user=user).first()
        if existing is not None:
            return existing
        exception = NameException.objects.create(
            name=name, user=user, note=note, created_by=actor.user
        )
        record_event(
            tag=Tag.NAME_EXCEPTION_ADDED,
            actor=actor,
            subject=_name_subject(name),
            details={"name": name, "who": user.username if user else "anyone", "note": note},
        )
    return exception


def remove_exception(*, actor: Actor, exception_id: int) -> None:
    with transaction.atomic():
        exception = NameException.objects.filter(pk=exception_id).select_related("user").first()
        if exception is None:
            return
        record_event(
            tag=Tag.NAME_EXCEPTION_REMOVED,
            actor=actor,
            subject=_name_subject(exception.name),
            details={"name": exception.name},
        )
        exception.delete()


def add_prohibited_name(*, actor: Actor, name: str, reason: str = "") -> ProhibitedName:
    """Prohibit ``name`` (and its confusable spellings) for new projects. Records
    ``name:prohibited-added``; existing projects are not touched."""
    with transaction.atomic():
        existing = ProhibitedName.objects.filter(normalized_name=normalize(name)).first()
        if existing is not None:
            return existing
        prohibited = ProhibitedName.objects.create(name=name, reason=reason, created_by=actor.user)
        record_event(
            tag=Tag.NAME_PROHIBITED_ADDED,
            actor=actor,
            subject=_name_subject(name),
            details={"name": name, "reason": reason},
        )
        bump_policy_version()
    return prohibited


def remove_prohibited_name(*, actor: Actor, prohibited_id: int) -> None:
    with transaction.atomic():
        prohibited = ProhibitedName.objects.filter(pk=prohibited_id).first()
        if prohibited is None:
            return
        record_event(
            tag=Tag.NAME_PROHIBITED_REMOVED,
            actor=actor,
            subject=_name_subject(prohibited.name),
            details={"name": prohibited.name},
        )
        prohibited.delete()
        bump_policy_version()


# --- protected names ------------------------------------------------------------------------


def parse_protected_list(text: str) -> list[tuple[str, int]]:
    """Return ``(name, download_count)`` pairs, most important first, from the public
    top-pypi-packages JSON (``{"rows": [{"project": …, "download_count": …}]}``), a JSON
    array of names or of such rows, or plain text with one name per line.

    Raises:
        InvalidNameListError: the text is none of those.
    """
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        names = [line.split("#")[0].strip() for line in text.splitlines()]
        return [(name, 0) for name in names if name]
    try:
        data = json.loads(text)
        rows = data["rows"] if isinstance(data, dict) else data
        pairs = [
            (str(row), 0)
            if isinstance(row, str)
            else (str(row["project"]), int(row.get("download_count") or 0))
            for row in rows
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InvalidNameListError(
            "Not a protected-name list: expected the top-pypi-packages JSON, a JSON array of "
            "names, or one name per line."
        ) from e
    if any(count for _, count in pairs):
        pairs.sort(key=lambda pair: -pair[1])
    return pairs


def import_protected_names(*, pairs: Iterable[tuple[str, int]], limit: int | None = None) -> int:
    """Replace the imported protected names (ranked in the given order). Returns how many."""
    ranked: dict[str, tuple[int, int]] = {}
    for name, count in pairs:
        normalized = normalize(name)
        if normalized and normalized not in ranked:
            ranked[normalized] = (len(ranked) + 1, count)
        if limit is not None and len(ranked) >= limit:
            break
    _replace_protected(ProtectedName.Source.IMPORTED, ranked)
    logger.info("Imported %s protected names", len(ranked))
    return len(ranked)


def count_dependents() -> Counter[str]:
    """Return, per normalized project name, how many other projects' latest releases name it
    in ``requires_dist``."""
    latest: dict[int, tuple[Version | None, str, list[str]]] = {}
    releases = Release.objects.values_list(
        "project_id", "version", "project__normalized_name", "metadata__requires_dist"
    )
    for project_id, version, project_name, requires in releases.iterator(chunk_size=2000):
        key = _version_or_none(version)
        known = latest.get(project_id)
        if known is None or (key is not None and (known[0] is None or key > known[0])):
            latest[project_id] = (key, project_name, requires if isinstance(requires, list) else [])
    counts: Counter[str] = Counter()
    for _key, project_name, requires in latest.values():
        names = {_requirement_name(text) for text in requires}
        names.discard(project_name)
        names.discard("")
        counts.update(names)
    return counts


def refresh_dependency_protected_names(*, top: int | None = None) -> int:
    """Protect the ``top`` most depended-upon projects of this index (by how many other
    projects' latest releases require them). Returns how many are protected."""
    top = settings.STOCKADE_NAMES_DEPENDENCY_PROTECTED if top is None else top
    counts = count_dependents()
    existing = set(
        Project.objects.filter(normalized_name__in=list(counts)).values_list(
            "normalized_name", flat=True
        )
    )
    ranked = {
        name: (rank, count)
        for rank, (name, count) in enumerate(
            ((n, c) for n, c in counts.most_common() if n in existing), start=1
        )
        if rank <= top
    }
    _replace_protected(ProtectedName.Source.DEPENDENCIES, ranked)
    logger.info("Protected %s most depended-upon projects", len(ranked))
    return len(ranked)


def _replace_protected(source: str, ranked: dict[str, tuple[int, int]]) -> None:
    with transaction.atomic():
        ProtectedName.objects.filter(source=source).delete()
        ProtectedName.objects.bulk_create(
            [
                ProtectedName(normalized_name=name, source=source, rank=rank, weight=count)
                for name, (rank, count) in ranked.items()
            ],
            batch_size=2000,
        )
        bump_policy_version()


def _requirement_name(text: object) -> str:
    try:
        return normalize(Requirement(str(text)).name)
    except InvalidRequirement:
        return ""


def _version_or_none(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _name_subject(name: str) -> Subject:
    return Subject("name", normalize(name)[:64], name)


def _verdict_details(verdict: Verdict) -> dict[str, str | None]:
    return {
        "name": verdict.name,
        "rule": verdict.rule,
        "resembles": verdict.resembles,
        "decision": verdict.decision,
    }


__all__ = [
    "add_exception",
    "add_prohibited_name",
    "approve_held_name",
    "bump_policy_version",
    "check_project_name",
    "configured_policy",
    "held_notice",
    "import_protected_names",
    "list_held_names",
    "load_policy_state",
    "parse_protected_list",
    "refresh_dependency_protected_names",
    "refuse_held_name",
    "remove_exception",
    "remove_prohibited_name",
    "reserve_held_project",
    "screen_new_project_name",
    "ultranormalize",
]
