"""``stockade audit verify|export|seal|purge-ips|maintain|public-key``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from stockade.audit import signing
from stockade.audit.actors import actor_for_cli
from stockade.audit.export import export_lines
from stockade.audit.maintenance import run_periodic_maintenance
from stockade.audit.sealing import Progress as VerifyProgress
from stockade.audit.sealing import seal_pending_events, verify_database
from stockade.audit.services import purge_raw_ips

# Below this many events a progress bar would only flicker.
_PROGRESS_THRESHOLD = 20_000


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or time; one without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"--since: not an ISO 8601 time: {text!r}") from e
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Check, export and maintain the tamper-evident audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "verify",
            help="check the whole log; name the first bad event",
            description="Recompute the hash chain, check every signed checkpoint, and report "
            "events left unsealed for too long. Exits 1 naming the first bad event.",
        )
        export = actions.add_parser(
            "export",
            help="write the log as JSON Lines that others can re-verify",
            description="Write a header (format, algorithm, public key), the sealed events with "
            "their chain fields, and the checkpoints, one JSON object per line.",
        )
        export.add_argument("--since", metavar="T", help="only events at or after this time")
        export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
        actions.add_parser("seal", help="seal pending events into the chain now")
        purge = actions.add_parser(
            "purge-ips", help="clear raw IP addresses older than the retention period"
        )
        purge.add_argument(
            "--days",
            type=int,
            help="keep this many days (default: STOCKADE_AUDIT_IP_RETENTION_DAYS, 30)",
        )
        actions.add_parser(
            "maintain", help="periodic work: seal, then purge old IPs (run daily from cron)"
        )
        actions.add_parser("public-key", help="print the checkpoint public key (base64)")

    def handle(self, *args, action: str, **options) -> None:
        handler = {
            "verify": self._verify,
            "export": self._export,
            "seal": self._seal,
            "purge-ips": self._purge,
            "maintain": self._maintain,
            "public-key": self._public_key,
        }[action]
        handler(**options)

    def _verify(self, **_options) -> None:
        console = Console(file=sys.stderr)
        with Progress(
            TextColumn("Verifying audit log"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("verify", total=None)

            def show(step: VerifyProgress) -> None:
                if step.total >= _PROGRESS_THRESHOLD:
                    progress.update(task, completed=step.done, total=step.total)

            report = verify_database(on_progress=show)
        if not report.ok:
            raise CommandError(f"Audit log verification FAILED at {report.problem}")
        self.stdout.write(
            f"Audit log OK: {report.events} events, {report.checkpoints} checkpoints, "
            f"head seq {report.last_seq} hash {report.last_hash} "
            f"(key {signing.current_key_id()})"
        )

    def _export(self, *, since: str | None, output: str | None, **_options) -> None:
        lines = export_lines(since=parse_time(since) if since else None)
        if output is None:
            for line in lines:
                self.stdout.write(line)
            return
        path = Path(output)
        temporary = path.with_name(f".{path.name}.partial")
        with temporary.open("w", encoding="utf-8") as handle:
            for count, line in enumerate(lines):  # noqa: B007 - count reported below
                handle.write(line + "\n")
        temporary.replace(path)
        self.stderr.write(f"Wrote {count} events and checkpoints to {path}")

    def _seal(self, **_options) -> None:
        sealed = seal_pending_events(wait=True)
        self.stdout.write(f"Sealed {sealed} events.")

    def _purge(self, *, days: int | None, **_options) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be zero or more")
        cleared = purge_raw_ips(actor=actor_for_cli(), days=days)
        seal_pending_events(wait=True)
        self.stdout.write(f"Cleared {cleared} raw IP addresses.")

    def _maintain(self, **_options) -> None:
        result = run_periodic_maintenance()
        self.stdout.write(
            f"Sealed {result.sealed} events; cleared {result.ips_cleared} raw IP addresses."
        )

    def _public_key(self, **_options) -> None:
        self.stdout.write(signing.public_key_b64())
        self.stderr.write(f"key id {signing.current_key_id()}")
