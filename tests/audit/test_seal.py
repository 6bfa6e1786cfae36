"""Sealing: chain positions, checkpoints, the after-commit hook, and concurrent recorders."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections, transaction

from stockade.audit import chain, signing
from stockade.audit.actors import actor_for_cli
from stockade.audit.models import AuditCheckpoint, AuditEvent
from stockade.audit.sealing import SEAL_LOCK_KEY, seal_pending_events, verify_database
from stockade.audit.services import record_event
from stockade.audit.tags import Tag

ON_POSTGRES = os.environ.get("STOCKADE_DATABASE_URL", "").startswith(("postgres://", "postgresql"))
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL (set STOCKADE_DATABASE_URL=postgresql://…)"
)


@pytest.mark.django_db
def test_seal_assigns_positions_in_id_order_and_signs_a_checkpoint(fill_log):
    events = fill_log(3)
    assert seal_pending_events() == 3
    sealed = list(AuditEvent.objects.order_by("seq"))
    assert [e.id for e in sealed] == [e.id for e in events]
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert sealed[0].prev_hash == chain.GENESIS_HASH
    assert sealed[1].prev_hash == sealed[0].hash
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.hash) == (3, sealed[2].hash)
    assert chain.has_valid_signature(signing.public_key_bytes(), checkpoint.as_record())


@pytest.mark.django_db
def test_sealing_twice_changes_nothing_and_later_events_extend_the_chain(fill_log):
    fill_log(2)
    seal_pending_events()
    assert seal_pending_events() == 0
    fill_log(2)
    assert seal_pending_events(batch_size=1) == 2
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert AuditCheckpoint.objects.count() == 3
    assert verify_database().ok


@pytest.mark.django_db
def test_events_are_sealed_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_event(tag=Tag.ADMIN_USER_ENABLE, actor=actor_for_cli())
    assert AuditEvent.objects.get().seq == 1


@pytest.mark.django_db
def test_signing_key_is_created_private(audit_signing_key):
    signing.public_key_bytes()
    assert audit_signing_key.stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_empty_log_verifies():
    report = verify_database()
    assert report.ok and report.events == 0


def _record_in_thread(count: int, errors: list[BaseException]) -> None:
    try:
        for i in range(count):
            with transaction.atomic():
                record_event(tag=Tag.ADMIN_USER_ENABLE, actor=actor_for_cli(), details={"i": i})
    except BaseException as e:  # reported by the main thread
        errors.append(e)
    finally:
        connection.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_recorders_on_postgres_produce_one_valid_chain():
    """Eight threads record at once; the after-commit sealers share the work; nothing is lost."""
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_record_in_thread, args=(25, errors)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    seal_pending_events(wait=True)
    assert AuditEvent.objects.count() == 200
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 201))
    report = verify_database()
    assert report.ok, report.problem


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_recording_does_not_wait_for_a_busy_sealer_on_postgres():
    """While another session holds the seal lock, recording commits at once, unsealed."""
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
            with transaction.atomic():
                record_event(tag=Tag.ADMIN_USER_ENABLE, actor=actor_for_cli())
            assert AuditEvent.objects.get().seq is None
            cursor.execute("COMMIT")
    finally:
        holder.close()
    assert seal_pending_events() == 1
    assert verify_database().ok


@pytest.mark.django_db(transaction=True)
def test_background_sealer_seals_events_off_the_request_path(settings, owner):
    """In the server's default mode, commit only wakes the sealer thread; it seals soon after."""
    import time

    from stockade.audit.actors import actor_for_cli
    from stockade.audit.models import AuditEvent
    from stockade.audit.services import record_event

    settings.STOCKADE_AUDIT_SEAL = "background"
    with transaction.atomic():
        event = record_event(tag="admin:user-create", actor=actor_for_cli(), subject=owner)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if AuditEvent.objects.filter(pk=event.pk, seq__isnull=False).exists():
            break
        time.sleep(0.05)
    assert AuditEvent.objects.unsealed().count() == 0
