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

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from stockade.dbsetup import migrate_if_needed
from stockade.simple.services import publish_stale_projects
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
        migrate_if_needed()
        caught_up = publish_stale_projects()
        if caught_up:
            self.stdout.write(f"Re-published simple pages of {caught_up} project(s).")
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
        os.execv(  # noqa: S606 - a fixed program with fixed arguments
            uwsgi, [uwsgi, *uwsgi_arguments(host=host, port=port, workers=workers, threads=threads)]
        )
