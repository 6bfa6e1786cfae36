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
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
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


def seal_pending_events(
    *, wait: bool = False, batch_size: int = BATCH_SIZE, known_pending: bool = False
) -> int:
    """Seal every committed unsealed event, batch by batch; return how many were sealed.

    Args:
        wait: block for the seal lock instead of leaving the work to whoever holds it.
        known_pending: the caller just committed events, so skip the first "anything to seal?"
            query (a batch that finds nothing pending simply seals nothing).

    Safe to call at any time, from any number of processes, inside or outside a transaction.
    """
    total = 0
    while known_pending or AuditEvent.objects.unsealed().exists():
        known_pending = False
        sealed = _seal_batch(wait=wait, batch_size=batch_size)
        if sealed is None:  # another sealer holds the lock and will seal these
            break
        total += sealed
        if sealed == 0:
            break
    return total


def seal_after_commit() -> None:
    """The ``on_commit`` hook of ``record_event``.

    ``STOCKADE_AUDIT_SEAL`` chooses how: ``background`` (the server's default) wakes this
    process's sealer thread and returns at once, so the request never runs a sealing transaction
    and many concurrent uploads share one; ``inline`` seals here, before the response (tests use
    it to see sealed events at once); ``periodic`` leaves it to ``stockade audit seal``.
    """
    mode = getattr(settings, "STOCKADE_AUDIT_SEAL", "inline")
    if mode == "background":
        background_sealer.wake()
    elif mode == "inline":
        seal_pending_events(wait=False, known_pending=True)


class BackgroundSealer:
    """One daemon thread per process that seals whatever is pending each time it is woken.

    Waking is a ``threading.Event``: wakes that arrive while a batch is being sealed collapse
    into one more batch, so the sealing cost is shared by every event recorded meanwhile. A
    process that dies with events unsealed loses nothing: they stay in the database and the next
    sealer (another process, ``stockade audit seal`` or the periodic job) seals them.
    """

    # Gather the events of concurrent requests into one batch before sealing.
    GATHER_SECONDS = 0.02

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def wake(self) -> None:
        self._ensure_running()
        self._wake.set()

    def _ensure_running(self) -> None:
        # After a fork the thread object survives but the thread does not: start anew per pid.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="stockade-audit-sealer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.GATHER_SECONDS)
            self._wake.clear()
            try:
                seal_pending_events(wait=True)
            except Exception:
                logger.exception("Sealing audit events failed; the next wake or run retries")
            finally:
                connection.close()  # this thread's own connection; never held between batches


background_sealer = BackgroundSealer()


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
        _write_seals(pending, now)
        key_id, signature = signing.sign_checkpoint(seq=seq, hash=prev_hash, time=format_time(now))
        AuditCheckpoint.objects.create(
            seq=seq, hash=prev_hash, created=now, key_id=key_id, signature=signature
        )
    logger.debug("Sealed %s audit events up to seq %s", len(pending), seq)
    return len(pending)


def _write_seals(events: list[AuditEvent], sealed_at: datetime) -> None:
    """Store the chain fields of ``events``: one prepared UPDATE per event, sent as a batch.

    Same effect as ``bulk_update`` (which builds a CASE expression per field and event, and was
    about a fifth of an upload's audit cost), without the query building.
    """
    meta = AuditEvent._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(meta.get_field(name).column)} = %s"
        for name in ("seq", "prev_hash", "hash", "sealed_at")
    )
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 - names from the model
    when = connection.ops.adapt_datetimefield_value(sealed_at)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(e.seq, e.prev_hash, e.hash, when, e.pk) for e in events])


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
