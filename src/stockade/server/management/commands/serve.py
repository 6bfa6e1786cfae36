"""``stockade serve``: migrate if needed, bring stored pages up to date, and serve with uWSGI.

uWSGI rather than granian or gunicorn, for two measured reasons (docs/server.md): upload clients
show the HTTP reason phrase to the user, and granian always sends the standard phrase, while
uWSGI sends the application's; and uWSGI serves the read path about 22,000 pages a second from
one process where gunicorn's threaded worker serves about 3,900.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from stockade.dbsetup import migrate_if_needed
from stockade.simple.services import publish_stale_projects
from stockade.tuf.keys import development_keys_dir
from stockade.tuf.roots import initialize_development_root, is_development_root
from stockade.tuf.services import publish_pending, refresh_expiring
from stockade.web.search import index_stale_projects


def uwsgi_arguments(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The uWSGI command line for Stockade's WSGI application."""
    return [
        "--strict",
        # HTTP/1.1 with keep-alive. Plain --http-socket closes every connection after one
        # response without saying "Connection: close", so a client that reuses it (twine
        # uploading a second file) fails with "connection reset".
        "--http11-socket",
        f"{host}:{port}",
        "--module",
        "stockade.wsgi:application",
        "--master",
        "--processes",
        str(workers),
        "--threads",
        str(threads),
        "--enable-threads",
        "--thunder-lock",
        "--lazy-apps",  # each worker opens its own database connections after the fork
        "--need-app",
        "--die-on-term",
        "--vacuum",
        "--buffer-size",
        "32768",
        "--single-interpreter",
        "--disable-logging",  # no line per request; errors still reach the log
        "--log-5xx",
    ]


def periodic_jobs(stockade: Path) -> list[str]:
    """uWSGI ``--unique-cron`` entries (minute hour day month weekday; -N is every N) for the
    periodic work of a single-machine index. A scaled-out deployment runs the same commands
    from its scheduler instead (docs/operations.md)."""
    jobs = [
        # Seal what the after-commit sealer left behind and purge raw IPs past retention.
        "0 3 -1 -1 -1 {stockade} audit maintain",
    ]
    if settings.STOCKADE_TUF_ENABLED:
        # Re-sign the online TUF roles before they expire (one day), checked every 30 min.
        jobs.append("-30 -1 -1 -1 -1 {stockade} tuf refresh")
    return [part for job in jobs for part in ("--unique-cron", job.format(stockade=stockade))]


class Command(BaseCommand):
    help = "Migrate the database if needed and serve the index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=os.environ.get("STOCKADE_HOST", "127.0.0.1"),
            help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("STOCKADE_PORT", 8000)),
            help="port to listen on (default 8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="worker processes (default 1; one per core for more throughput)",
        )
        parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options) -> None:
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if not getattr(settings, "STOCKADE_AUDIT_RECORDING", True):
            self.stderr.write(
                "\n" + "!" * 78 + "\n"
                "WARNING: STOCKADE_AUDIT_RECORDING is off: NOTHING is written to the audit log.\n"
                "This switch exists only to benchmark the log's cost. Never run an index with\n"
                "it off: unset STOCKADE_AUDIT_RECORDING (docs/audit.md).\n" + "!" * 78 + "\n"
            )
        migrate_if_needed()
        caught_up = publish_stale_projects()
        if caught_up:
            self.stdout.write(f"Re-published simple pages of {caught_up} project(s).")
        self._start_tuf()
        reindexed = index_stale_projects()
        if reindexed:
            self.stdout.write(f"Updated the search index for {reindexed} project(s).")
        uwsgi = shutil.which("uwsgi", path=str(Path(sys.executable).parent)) or shutil.which(
            "uwsgi"
        )
        if uwsgi is None:
            raise CommandError("uWSGI is not installed; install Stockade with its dependencies.")
        self.stdout.write(
            f"Stockade is serving on http://{host}:{port}/ "
            f"(simple index: http://{host}:{port}/simple/)"
        )
        self.stdout.flush()
        connections.close_all()
        # Replace this process, so signals reach the uWSGI master directly.
        arguments = uwsgi_arguments(host=host, port=port, workers=workers, threads=threads)
        arguments += periodic_jobs(Path(sys.executable).parent / "stockade")
        os.execv(uwsgi, [uwsgi, *arguments])  # noqa: S606 - a fixed program with fixed arguments

    def _start_tuf(self) -> None:
        """Create a development root on first run; sign what is pending; warn while the root's
        keys are on this server."""
        if not settings.STOCKADE_TUF_ENABLED:
            return
        if initialize_development_root(bins=settings.STOCKADE_TUF_BINS):
            self.stdout.write("Created a development TUF root (signed metadata under /tuf/).")
        publish_pending()
        refresh_expiring()
        if is_development_root():
            self.stdout.write(
                "WARNING: the TUF root and targets keys are on this server "
                f"({development_keys_dir()}): anyone who can read them can sign anything. "
                "Run `stockade tuf ceremony` to move them offline (docs/tuf-operator.md)."
            )
