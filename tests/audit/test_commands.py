"""`stockade audit seal|purge-ips|maintain|public-key` and the periodic entry point."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from stockade.audit.maintenance import run_periodic_maintenance
from stockade.audit.models import AuditEvent
from stockade.audit.sealing import verify_database
from stockade.audit.services import record_event
from stockade.audit.tags import Tag
from tests.audit.conftest import session_actor

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seal_command_seals_pending_events(fill_log):
    fill_log(4)
    assert "Sealed 4 events." in _run("seal")
    assert not AuditEvent.objects.unsealed().exists()


def test_purge_ips_command_records_and_seals_its_own_event(owner):
    event = record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    AuditEvent.objects.filter(pk=event.pk).update(created=timezone.now() - timedelta(days=8))
    assert "Cleared 1 raw IP addresses." in _run("purge-ips", "--days", "7")
    purge = AuditEvent.objects.get(tag=Tag.AUDIT_PURGE_IPS)
    assert purge.actor_means == "cli" and purge.details["days"] == 7
    assert purge.seq is not None


def test_purge_ips_rejects_negative_days():
    with pytest.raises(CommandError, match="zero or more"):
        _run("purge-ips", "--days", "-1")


def test_periodic_maintenance_seals_purges_and_leaves_a_valid_log(owner, settings):
    settings.STOCKADE_AUDIT_IP_RETENTION_DAYS = 1
    AuditEvent.objects.all().delete()  # the owner's creation at the command line
    event = record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    AuditEvent.objects.filter(pk=event.pk).update(created=timezone.now() - timedelta(days=2))
    result = run_periodic_maintenance()
    assert (result.sealed, result.ips_cleared) == (2, 1)
    assert AuditEvent.objects.get(tag=Tag.AUDIT_PURGE_IPS).actor_means == "system"
    assert verify_database().ok


def test_purge_does_not_break_the_chain(owner):
    """The raw address is outside the hash, so clearing it keeps the log verifiable."""
    record_event(tag=Tag.ACCOUNT_LOGIN, actor=session_actor(owner))
    _run("seal")
    _run("purge-ips", "--days", "0")
    assert AuditEvent.objects.filter(ip__isnull=False).count() == 0
    assert "Audit log OK" in _run("verify")


def test_maintain_command_reports(fill_log):
    fill_log(1)
    assert "Sealed 2 events; cleared 0 raw IP addresses." in _run("maintain")


def test_public_key_command_prints_the_raw_key():
    assert len(base64.b64decode(_run("public-key").strip())) == 32


def test_export_rejects_a_bad_time():
    with pytest.raises(CommandError, match="ISO 8601"):
        _run("export", "--since", "yesterday")


def test_export_to_stdout(fill_log):
    fill_log(2)
    _run("seal")
    assert len(_run("export").splitlines()) == 1 + 2 + 1
