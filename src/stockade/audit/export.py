"""Write the audit log as JSON Lines that a third party can re-verify with ``chain.verify_export``.

Line 1 is a header (format, version, algorithm, hashed fields, public key, where the export starts
in the chain); then every sealed event from that point in ``seq`` order with its chain fields;
then the checkpoints that cover them. Raw IP addresses are never exported; their keyed hashes are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

from stockade.audit import chain, signing
from stockade.audit.models import AuditCheckpoint, AuditEvent, format_time


def export_lines(*, since: datetime | None = None) -> Iterator[str]:
    """Yield the export's lines (without newlines), events created at or after ``since``.

    The export stops at the last event sealed when it starts, so its checkpoints and events
    agree even while new events are being sealed.
    """
    sealed = AuditEvent.objects.sealed()
    last_seq = sealed.order_by("-seq").values_list("seq", flat=True).first() or 0
    first = (
        sealed.filter(created__gte=since).order_by("seq").first()
        if since is not None
        else sealed.order_by("seq").first()
    )
    start_seq = first.seq if first is not None else last_seq + 1
    start_prev_hash = first.prev_hash if first is not None else chain.GENESIS_HASH
    yield _dump(
        {
            "type": "header",
            "format": chain.FORMAT,
            "version": chain.FORMAT_VERSION,
            "algorithm": chain.ALGORITHM,
            "hashed_fields": list(chain.HASHED_FIELDS),
            "public_key": signing.public_key_b64(),
            "key_id": signing.current_key_id(),
            "exported_at": format_time(timezone.now()),
            "since": format_time(since) if since is not None else None,
            "start_seq": start_seq,
            "start_prev_hash": start_prev_hash,
            "end_seq": last_seq,
        }
    )
    events = AuditEvent.objects.filter(seq__gte=start_seq, seq__lte=last_seq).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        yield _dump({"type": "event", **event.sealed_record()})
    checkpoints = AuditCheckpoint.objects.filter(seq__gte=start_seq, seq__lte=last_seq)
    for checkpoint in checkpoints.order_by("seq").iterator(chunk_size=2000):
        yield _dump({"type": "checkpoint", **checkpoint.as_record()})


def _dump(value: dict[str, object]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
