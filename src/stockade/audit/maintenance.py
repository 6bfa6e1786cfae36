"""The audit log's periodic work, in one entry point that needs no task queue.

Run ``stockade audit maintain`` from cron or a systemd timer (daily is enough), or call
``run_periodic_maintenance`` from a Celery beat task once one exists. It seals anything the
after-commit sealer left behind and clears raw IP addresses past their retention period.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.audit.actors import system_actor
from stockade.audit.sealing import seal_pending_events
from stockade.audit.services import purge_raw_ips


@dataclass(frozen=True)
class MaintenanceResult:
    sealed: int
    ips_cleared: int


def run_periodic_maintenance() -> MaintenanceResult:
    """Seal pending events, purge old raw IPs (itself an audit event), and seal that event."""
    sealed = seal_pending_events(wait=True)
    cleared = purge_raw_ips(actor=system_actor())
    sealed += seal_pending_events(wait=True)
    return MaintenanceResult(sealed=sealed, ips_cleared=cleared)
