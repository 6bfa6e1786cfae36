"""Seal recorded events into the hash chain, and verify the chain stored in the database.

Recording never waits for the chain: ``record_event`` inserts an unsealed row (no lock beyond the
row itself), and the sealer gives committed unsealed events their positions afterwards, in
batches. Only sealers contend for the seal lock, and a sealer that finds it taken gives up at
once, because the holder (or the next run) seals what is pending. So concurrent uploads on
PostgreSQL never queue behind each other on the log.

- PostgreSQL: ``pg_try_advisory_xact_lock`` (``pg_advisory_xact_lock`` when ``wait``), released
  when the sealing transaction ends.
- SQLite: the write transaction (``BEGIN IMMEDIATE``) already admits one writer at a time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from stockade.audit import chain, signing
from stockade.audit.models import AuditCheckpoint, AuditEvent, format_time

logger = logging.getLogger(__name__)

# A fixed 64-bit key for the advisory lock, derived from a name so it cannot clash by accident.
SEAL_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"stockade.audit.seal").digest()[:8], "big", signed=True
)
BATCH_SIZE = 500
# Unsealed events older than this are reported by verify: the sealer should have run by then.
UNSEALED_GRACE = timedelta(minutes=10)


def seal_pending_events(*, wait: bool = False, batch_size: int = BATCH_SIZE) -> int:
    """Seal every committed unsealed event, batch by batch; return how many were sealed.

    Args:
        wait: block for the seal lock instead of leaving the work to whoever holds it.

    Safe to call at any time, from any number of processes, inside or outside a transaction.
    """
    total = 0
    while AuditEvent.objects.unsealed().exists():
        sealed = _seal_batch(wait=wait, batch_size=batch_size)
        if sealed is None:  # another sealer holds the lock and will seal these
            break
        total += sealed
        if sealed == 0:
            break
    return total


def seal_after_commit() -> None:
    """The ``on_commit`` hook of ``record_event``: seal if no other sealer is at work."""
    seal_pending_events(wait=False)


def _seal_batch(*, wait: bool, batch_size: int) -> int | None:
    with transaction.atomic():
        if not _take_seal_lock(wait=wait):
            return None
        head = AuditEvent.objects.sealed().order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = head if head is not None else (0, chain.GENESIS_HASH)
        pending = list(AuditEvent.objects.unsealed().order_by("id")[:batch_size])
        if not pending:
            return 0
        now = timezone.now()
        for event in pending:
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = chain.event_hash(prev_hash, event.chain_record())
            event.sealed_at = now
            prev_hash = event.hash
        AuditEvent.objects.bulk_update(pending, ["seq", "prev_hash", "hash", "sealed_at"])
        key_id, signature = signing.sign_checkpoint(seq=seq, hash=prev_hash, time=format_time(now))
        AuditCheckpoint.objects.create(
            seq=seq, hash=prev_hash, created=now, key_id=key_id, signature=signature
        )
    logger.debug("Sealed %s audit events up to seq %s", len(pending), seq)
    return len(pending)


def _take_seal_lock(*, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [SEAL_LOCK_KEY])
        (taken,) = cursor.fetchone()
    return taken is not False  # pg_advisory_xact_lock returns void (None)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


def verify_database(
    *,
    now: datetime | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> chain.Report:
    """Verify the stored chain and checkpoints; report the first bad event.

    Besides the chain itself, an unsealed event older than ``UNSEALED_GRACE`` is reported: the
    recorder's sealer would have sealed it, so it was most likely inserted directly.
    """
    now = now or timezone.now()
    total = AuditEvent.objects.sealed().count()
    report = chain.verify_log(
        _sealed_records(total, on_progress),
        (cp.as_record() for cp in AuditCheckpoint.objects.order_by("seq").iterator(1000)),
        public_key=signing.public_key_bytes(),
    )
    if not report.ok:
        return report
    stale = AuditEvent.objects.unsealed().filter(created__lt=now - UNSEALED_GRACE).order_by("id")
    first = stale.first()
    if first is not None:
        problem = chain.Problem(
            f"unsealed since {format_time(first.created)}, longer than "
            f"{int(UNSEALED_GRACE.total_seconds() // 60)} minutes (inserted directly, or the "
            "sealer is not running: try `stockade audit seal`)",
            first.id,
            None,
            first.tag,
        )
        return chain.Report(
            report.events, report.checkpoints, report.last_seq, report.last_hash, problem
        )
    return report


def _sealed_records(
    total: int, on_progress: Callable[[Progress], None] | None
) -> Iterator[dict[str, object]]:
    events = AuditEvent.objects.sealed().order_by("seq").iterator(chunk_size=2000)
    for done, event in enumerate(events, start=1):
        yield event.sealed_record()
        if on_progress is not None and (done % 1000 == 0 or done == total):
            on_progress(Progress(done, total))
