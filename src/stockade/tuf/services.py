"""All TUF signing: initialize the repository, publish pending changes, re-sign before expiry.

The publisher works in batches. ``queue_changed_targets`` records that a project's pages were
written (one row); ``publish_pending`` takes the publisher lock, folds every pending change into
new versions of the affected bins, one snapshot and one timestamp, then deletes the changes it
consumed. Storage is written in the order bins -> snapshot -> timestamp, and the database is
updated only after the timestamp, so a crash at any point leaves clients the previous complete
set, and the pending rows are still there for the next run. Versions are read from storage,
never from the database, so a run after a crash always moves past whatever was written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from securesystemslib.signer import Key, Signer
from tuf.api.metadata import Metadata, Root, Snapshot, SuccinctRoles, Targets, Timestamp

from stockade.tuf import keys, metadata, store
from stockade.tuf.exceptions import RepositoryNotInitializedError, TamperedStorageError
from stockade.tuf.lock import publisher_lock
from stockade.tuf.models import INDEX, PendingChange, PublishedTarget, RoleExpiry
from stockade.tuf.targets import TargetSet, collect_project_targets, record_page_copies

logger = logging.getLogger(__name__)

#: Roles are re-signed when they have less than this left.
REFRESH_MARGIN = timedelta(hours=12)
#: Seconds a request thread spends publishing other requests' changes before handing off.
INLINE_BUDGET = 1.0
_BATCH = 1000


@dataclass(frozen=True)
class RepositoryState:
    """The newest complete set in storage, as named by timestamp.json."""

    root: Metadata[Root]
    targets: Metadata[Targets]
    snapshot: Metadata[Snapshot]
    timestamp: Metadata[Timestamp]

    @property
    def online_key(self) -> Key:
        root = self.root.signed
        return root.keys[root.roles[Timestamp.type].keyids[0]]

    @property
    def bins(self) -> SuccinctRoles:
        delegations = self.targets.signed.delegations
        assert delegations is not None and delegations.succinct_roles is not None
        return delegations.succinct_roles


@dataclass(frozen=True)
class PublishResult:
    changes: int
    bins: int
    snapshot_version: int


def is_enabled() -> bool:
    return bool(settings.STOCKADE_TUF_ENABLED)


def load_state() -> RepositoryState:
    """Read the current root, targets, snapshot and timestamp back from storage.

    Raises:
        RepositoryNotInitializedError: no timestamp.json in storage.
    """
    try:
        timestamp = store.read_timestamp()
    except FileNotFoundError as err:
        raise RepositoryNotInitializedError from err
    snapshot = store.read_snapshot(timestamp.signed.snapshot_meta.version)
    targets = store.read_targets(Targets.type, snapshot.signed.meta["targets.json"].version)
    return RepositoryState(store.read_current_root(), targets, snapshot, timestamp)


# -- the write path hook --------------------------------------------------------------------


def queue_changed_targets(
    normalized_name: str | None, *, pages: Mapping[str, bytes] | None, serial: int = 0
) -> None:
    """Record that a project's pages (``normalized_name`` None: the project list) were written
    (``pages``: path -> the bytes rendered) or removed (``pages`` None), and publish.

    Called right after the pages are stored. Never raises: a failed publish leaves the change
    queued for the next run (``stockade tuf publish``, or the next change).
    """
    if not is_enabled():
        return
    try:
        recorded = None if pages is None else record_page_copies(pages)
        PendingChange.objects.create(
            project=normalized_name or INDEX, pages=recorded, serial=serial
        )
        if settings.STOCKADE_TUF_PUBLISH_INLINE and not getattr(_local, "deferred", False):
            publish_pending(budget=INLINE_BUDGET)
    except Exception:
        logger.exception("TUF publishing failed; the change stays queued")


@contextmanager
def deferred_publishing() -> Iterator[None]:
    """Queue changes without publishing each one (for re-rendering many projects at once)."""
    _local.deferred = True
    try:
        yield
    finally:
        _local.deferred = False


# -- the publisher ---------------------------------------------------------------------------


def publish_pending(
    *, now: datetime | None = None, budget: float | None = None
) -> PublishResult | None:
    """Sign every pending change, in as few snapshots as possible; return the last batch.

    Returns at once, publishing nothing, when another publisher holds the lock: that one picks
    up this caller's change, since it looks for new changes after it releases the lock. With a
    ``budget`` (seconds), a caller that is answering a request hands the remaining rounds to a
    background thread once the budget is spent, so under a stream of uploads no response waits
    for everyone else's changes.
    """
    deadline = None if budget is None else time.monotonic() + budget
    result = None
    while True:
        with publisher_lock() as held:
            if not held or not store.is_initialized():
                return result
            changes = list(PendingChange.objects.order_by("pk")[:_BATCH])
            if not changes:
                return result
            result = _publish(load_state(), changes, now=now)
        if not PendingChange.objects.exists():
            return result
        if deadline is not None and time.monotonic() > deadline:
            _continue_in_background()
            return result


_background = threading.Lock()
_local = threading.local()


def _continue_in_background() -> None:
    if not _background.acquire(blocking=False):
        return  # this process already has one running; it loops until nothing is pending

    def run() -> None:
        try:
            publish_pending()
        except Exception:
            logger.exception("TUF publishing failed; the changes stay queued")
        finally:
            connection.close()
            _background.release()

    threading.Thread(target=run, name="tuf-publisher", daemon=True).start()


def refresh_expiring(*, now: datetime | None = None) -> PublishResult | None:
    """Re-sign the online roles (bins, snapshot, timestamp) that expire within 12 hours.

    Returns None when nothing was due or another publisher holds the lock (it will be due
    again at the next run).
    """
    now = now or datetime.now(UTC)
    with publisher_lock() as held:
        if not held or not store.is_initialized():
            return None
        state = load_state()
        deadline = now + REFRESH_MARGIN
        due_bins = set(
            RoleExpiry.objects.filter(
                expires__lt=deadline, role__startswith=metadata.BIN_PREFIX
            ).values_list("role", flat=True)
        )
        if (
            not due_bins
            and min(state.snapshot.signed.expires, state.timestamp.signed.expires) >= deadline
        ):
            return None
        return _publish(state, [], extra_bins=due_bins, now=now)


def offline_roles_expiring(*, within: timedelta = timedelta(days=30)) -> list[tuple[str, datetime]]:
    """Root or targets expiring soon: they need the offline keys (`stockade tuf ceremony`)."""
    state = load_state()
    deadline = datetime.now(UTC) + within
    return [
        (md.signed.type, md.signed.expires)
        for md in (state.root, state.targets)
        if md.signed.expires < deadline
    ]


def _publish(
    state: RepositoryState,
    changes: list[PendingChange],
    *,
    extra_bins: Iterable[str] = (),
    new_targets: Metadata[Targets] | None = None,
    signer: Signer | None = None,
    before_timestamp: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> PublishResult:
    now = now or datetime.now(UTC)
    signer = signer or keys.load_online_signer(state.online_key)
    bins = state.bins if new_targets is None else _succinct(new_targets)
    effective = _effective_changes(changes)
    old_rows = list(PublishedTarget.objects.filter(project__in=effective))
    signed_serial = {row.project: row.serial for row in old_rows}
    known = {row.path: (row.length, row.hashes) for row in old_rows}
    new_sets: dict[str, TargetSet] = {}
    for name, change in effective.items():
        if change.pages is not None and change.serial < signed_serial.get(name, 0):
            continue  # rendered before what is signed already (two renders raced)
        try:
            new_sets[name] = collect_project_targets(name, change.pages, known)
        except TamperedStorageError:
            logger.exception("Not signing a changed page; the project keeps its signed targets")
    names = set(new_sets)
    old_rows = [row for row in old_rows if row.project in names]

    dirty = {row.bin for row in old_rows} | set(extra_bins)
    dirty |= {bins.get_role_for_target(path) for targets in new_sets.values() for path in targets}
    contents: dict[str, TargetSet] = {name: {} for name in dirty}
    for row in PublishedTarget.objects.filter(bin__in=dirty).exclude(project__in=names):
        contents[row.bin][row.path] = (row.length, row.hashes)
    for targets in new_sets.values():
        for path, value in targets.items():
            contents[bins.get_role_for_target(path)][path] = value

    meta = {name: info.version for name, info in state.snapshot.signed.meta.items()}
    expiries: dict[str, tuple[int, datetime]] = {}
    for name in sorted(dirty):
        version = meta[f"{name}.json"] + 1
        md = metadata.sign(
            metadata.new_bin(version=version, targets=contents[name], now=now), [signer]
        )
        store.write_versioned(name, version, metadata.serialize(md))
        meta[f"{name}.json"] = version
        expiries[name] = (version, md.signed.expires)
    if new_targets is not None:
        meta["targets.json"] = new_targets.signed.version
    snapshot_version = _write_snapshot_and_timestamp(
        state, meta, signer, now, expiries, before_timestamp
    )

    with transaction.atomic():
        PublishedTarget.objects.filter(project__in=names).delete()
        PublishedTarget.objects.bulk_create(
            PublishedTarget(
                path=path,
                project=name,
                bin=bins.get_role_for_target(path),
                length=length,
                hashes=hashes,
                serial=effective[name].serial,
            )
            for name, targets in new_sets.items()
            for path, (length, hashes) in targets.items()
        )
        PendingChange.objects.filter(pk__in=[change.pk for change in changes]).delete()
        _record_expiries(expiries)
    logger.info(
        "Published TUF snapshot %s: %s change(s), %s bin(s)",
        snapshot_version,
        len(changes),
        len(dirty),
    )
    return PublishResult(len(changes), len(dirty), snapshot_version)


def _effective_changes(changes: list[PendingChange]) -> dict[str, PendingChange]:
    """The change that counts for each project: the latest, except that of two renders the
    one showing the higher serial wins, whatever order they were queued in."""
    effective: dict[str, PendingChange] = {}
    for change in sorted(changes, key=lambda c: c.pk):
        current = effective.get(change.project)
        if (
            current is None
            or change.pages is None
            or current.pages is None
            or change.serial >= current.serial
        ):
            effective[change.project] = change
    return effective


def _write_snapshot_and_timestamp(
    state: RepositoryState,
    meta: dict[str, int],
    signer: Signer,
    now: datetime,
    expiries: dict[str, tuple[int, datetime]],
    before_timestamp: Callable[[], None] | None,
) -> int:
    snapshot_version = state.snapshot.signed.version + 1
    snapshot = metadata.sign(
        metadata.new_snapshot(version=snapshot_version, meta=meta, now=now), [signer]
    )
    store.write_versioned(Snapshot.type, snapshot_version, metadata.serialize(snapshot))
    if before_timestamp is not None:
        before_timestamp()
    timestamp_version = state.timestamp.signed.version + 1
    timestamp = metadata.sign(
        metadata.new_timestamp(
            version=timestamp_version, snapshot_version=snapshot_version, now=now
        ),
        [signer],
    )
    # Last, and atomically replaced: until this write, clients see the previous complete set.
    store.write_current(Timestamp.type, metadata.serialize(timestamp))
    expiries[Snapshot.type] = (snapshot_version, snapshot.signed.expires)
    expiries[Timestamp.type] = (timestamp_version, timestamp.signed.expires)
    return snapshot_version


def _record_expiries(expiries: dict[str, tuple[int, datetime]]) -> None:
    existing = set(RoleExpiry.objects.filter(role__in=expiries).values_list("role", flat=True))
    for role, (version, expires) in expiries.items():
        if role in existing:
            RoleExpiry.objects.filter(role=role).update(version=version, expires=expires)
    RoleExpiry.objects.bulk_create(
        RoleExpiry(role=role, version=version, expires=expires)
        for role, (version, expires) in expiries.items()
        if role not in existing
    )


def _succinct(targets: Metadata[Targets]) -> SuccinctRoles:
    delegations = targets.signed.delegations
    assert delegations is not None and delegations.succinct_roles is not None
    return delegations.succinct_roles
