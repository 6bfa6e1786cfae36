"""Tampering with stored events, straight in the database, makes `stockade audit verify` fail
and name the first bad event; an export verifies on its own and fails once edited."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from stockade.audit import chain
from stockade.audit.models import AuditCheckpoint, AuditEvent
from stockade.audit.sealing import seal_pending_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_log(fill_log) -> list[AuditEvent]:
    fill_log(3)
    seal_pending_events()
    fill_log(3)
    seal_pending_events()
    return list(AuditEvent.objects.order_by("seq"))


def _verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        _verify()
    return str(failure.value)


def test_untouched_log_verifies(sealed_log):
    assert "Audit log OK: 6 events, 2 checkpoints" in _verify()


def test_edited_event_is_named(sealed_log):
    victim = sealed_log[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["mallory", victim.id]
        )
    message = _verify_fails()
    assert f"event {victim.id} (seq 2, tag admin:user-enable)" in message
    assert "contents changed" in message


def test_edited_details_are_detected(sealed_log):
    AuditEvent.objects.filter(pk=sealed_log[4].pk).update(details={"n": 99})
    assert f"event {sealed_log[4].id} (seq 5" in _verify_fails()


def test_deleted_event_is_detected_at_the_next(sealed_log):
    AuditEvent.objects.filter(pk=sealed_log[2].pk).delete()
    message = _verify_fails()
    assert f"event {sealed_log[3].id} (seq 4" in message and "missing" in message


def test_deleted_tail_is_detected_by_its_checkpoint(sealed_log):
    AuditEvent.objects.filter(seq__gte=5).delete()
    assert "cut off" in _verify_fails()


def test_inserted_unsealed_event_is_reported_after_the_grace_period(sealed_log):
    forged = AuditEvent.objects.create(
        tag="account:login",
        created=timezone.now() - timedelta(hours=2),
        actor_means="session",
        actor_label="olivia",
    )
    message = _verify_fails()
    assert f"event {forged.id} (unsealed, tag account:login)" in message


def test_inserted_event_in_the_middle_with_a_valid_hash_is_detected(sealed_log):
    """Shift later events up and splice a well-hashed forgery in: the chain breaks after it."""
    for event in reversed(sealed_log[3:]):
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    forged = AuditEvent(
        tag="admin:staff-grant",
        created=timezone.now(),
        actor_means="cli",
        actor_label="mallory",
        seq=4,
        prev_hash=sealed_log[2].hash,
    )
    forged.save()
    forged.hash = chain.event_hash(forged.prev_hash, forged.chain_record())
    forged.save()
    message = _verify_fails()
    assert f"event {sealed_log[3].id} (seq 5" in message
    assert "prev_hash does not match" in message


def test_swapped_events_are_detected(sealed_log):
    first, second = sealed_log[1], sealed_log[2]
    AuditEvent.objects.filter(pk=first.pk).update(seq=None)
    AuditEvent.objects.filter(pk=second.pk).update(
        seq=first.seq, prev_hash=first.prev_hash, hash=first.hash
    )
    AuditEvent.objects.filter(pk=first.pk).update(
        seq=second.seq, prev_hash=second.prev_hash, hash=second.hash
    )
    message = _verify_fails()
    assert f"event {second.id} (seq 2" in message


def test_deleted_checkpoint_leaves_events_unsigned(sealed_log):
    AuditCheckpoint.objects.filter(seq=6).delete()
    assert "no signed checkpoint" in _verify_fails()


def test_forged_checkpoint_signature_is_detected(sealed_log):
    AuditCheckpoint.objects.filter(seq=3).update(signature="AAAA")
    assert "checkpoint at seq 3: its signature is not valid" in _verify_fails()


def _export(tmp_path, *args: str) -> list[str]:
    target = tmp_path / "audit.jsonl"
    call_command("audit", "export", "--output", str(target), *args, stderr=io.StringIO())
    return target.read_text().splitlines()


def test_export_verifies_alone_and_fails_once_tampered(sealed_log, tmp_path):
    lines = _export(tmp_path)
    header = json.loads(lines[0])
    assert header["format"] == chain.FORMAT and header["public_key"]
    assert len(lines) == 1 + 6 + 2
    assert "ip" not in json.loads(lines[1]), "raw addresses are never exported"
    assert chain.verify_export(lines).ok
    record = json.loads(lines[2])
    record["tag"] = "account:login"
    lines[2] = json.dumps(record)
    report = chain.verify_export(lines)
    assert not report.ok and report.problem.event_id == sealed_log[1].id


def test_export_since_starts_mid_chain_and_still_verifies(sealed_log, tmp_path):
    AuditEvent.objects.filter(seq__lte=3).update(created=timezone.now() - timedelta(days=2))
    # Moving the time broke those events' hashes; the partial export does not include them.
    since = (timezone.now() - timedelta(days=1)).isoformat()
    lines = _export(tmp_path, "--since", since)
    header = json.loads(lines[0])
    assert header["start_seq"] == 4 and header["start_prev_hash"] == sealed_log[2].hash
    report = chain.verify_export(lines)
    assert report.ok, report.problem
    assert report.events == 3
