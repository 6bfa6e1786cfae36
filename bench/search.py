"""``python -m bench.search``: how fast project search answers at 10,000 projects.

1. For each database (SQLite always; PostgreSQL when reachable), a child process points
   Stockade's settings at a fresh data directory (and a throw-away PostgreSQL database), migrates,
   and bulk-inserts N projects with one release each, named after the most-downloaded projects
   on PyPI (../shared/data/top-pypi-packages.json, or --names), with made-up summaries and
   keywords drawn from a fixed vocabulary (seeded, so every run indexes the same text).
2. It builds the search index with ``rebuild_search_index`` (timed), then runs each query of a
   fixed set many times through the service (``search_projects``, one page read) and through the
   page (``GET /search/?q=`` with Django's test client, template rendered), after a warm-up.
3. The parent prints p50 and p99 latency per query and over all queries, and each p99 as a
   share of the 50 ms goal (below 1.00 meets it). "service CPU" is this process's CPU time per
   call: for SQLite the whole query, for PostgreSQL only the client side; it shows how much of the
   wall time is waiting for a busy machine.

Timing is wall-clock on this machine with a warm database cache; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

# The shared/ folder sits beside the repository (../shared).
NAMES_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "top-pypi-packages.json"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GOAL_MS = 50.0

# (label, query text, page)
QUERIES: list[tuple[str, str, int]] = [
    ("exact name", "requests", 1),
    ("exact, other spelling", "Typing_Extensions", 1),
    ("short prefix", "py", 1),
    ("prefix", "djan", 1),
    ("one word", "parser", 1),
    ("common word", "python", 1),
    ("common word", "python", 10),
    ("two words", "async http", 1),
    ("three words", "fast json parser", 1),
    ("word prefix", "serial", 1),
    ("no match", "zqxjkvw", 1),
    ("operators", '"NEAR(a b)" -foo* OR', 1),
    ("unicode", "données café 日本", 1),
]

_WORDS = (
    "python http client server async fast json yaml xml parser serializer database sql orm "
    "testing test framework web api rest graphql cli command line tool utility library wrapper "
    "cloud aws azure google storage cache redis queue task scheduler logging monitoring metrics "
    "security crypto authentication oauth token data science machine learning numpy array "
    "dataframe plotting visualization image audio video text nlp language model type hints "
    "static analysis linter formatter packaging build plugin extension django flask fastapi "
    "sdk client-side validation schema configuration settings environment file system path "
    "network socket protocol binary compression archive date time timezone units math"
)
VOCABULARY = tuple(_WORDS.split())

console = Console(width=120)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--projects", type=int, default=10_000, help="projects (default 10000)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs of each query")
    parser.add_argument("--names", type=Path, default=NAMES_FILE, help="top-pypi-packages JSON")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server to create a throw-away database on ('' to skip)",
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    # Internal: run one database's measurement in this process and print JSON.
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args)))
        return 0
    results = []
    if args.only in (None, "sqlite"):
        results.append(run_backend(args, "sqlite", ""))
    if args.only in (None, "postgresql") and args.postgres:
        with throwaway_postgres(args.postgres) as url:
            if url is None:
                console.print(f"[yellow]PostgreSQL at {args.postgres} not reachable: skipped.[/]")
            else:
                results.append(run_backend(args, "postgresql", url))
    for result in results:
        print_result(result)
    return 0


def run_backend(args: argparse.Namespace, backend: str, database_url: str) -> dict:
    console.print(f"[bold]{backend}[/]: {args.projects} projects, {args.repeat} runs per query …")
    with tempfile.TemporaryDirectory(prefix="stockade-bench-search-") as data_dir:
        env = {
            **os.environ,
            "STOCKADE_DATA_DIR": data_dir,
            "STOCKADE_DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "stockade.settings",
            "STOCKADE_LOG_LEVEL": "WARNING",
        }
        if not database_url:
            env.pop("STOCKADE_DATABASE_URL")
        command = [
            sys.executable,
            "-m",
            "bench.search",
            "--child",
            backend,
            "--projects",
            str(args.projects),
            "--repeat",
            str(args.repeat),
            "--names",
            str(args.names),
            "--database-url",
            database_url,
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            console.print(done.stderr)
            raise SystemExit(f"The {backend} run failed.")
        return json.loads(done.stdout.strip().splitlines()[-1])


class throwaway_postgres:  # noqa: N801 - used as a context manager, like a function
    """Create a uniquely named database on the server, yield its URL, drop it afterwards."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"stockade_bench_search_{uuid.uuid4().hex[:8]}"
        self.created = False

    def __enter__(self) -> str | None:
        try:
            import psycopg

            with psycopg.connect(self.server_url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        except Exception:  # Any failure means "not reachable from here".
            return None
        self.created = True
        base, _, _ = self.server_url.rpartition("/")
        return f"{base}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- The child: runs inside Django with the bench settings. -------------------------------------


def run_child(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    insert_projects(load_names(args.names, args.projects))
    inserted = time.perf_counter() - started

    from stockade.web.search import rebuild_search_index

    started = time.perf_counter()
    rebuild_search_index()
    indexed = time.perf_counter() - started
    result = {
        "backend": args.child,
        "cpus": os.cpu_count(),
        "server": connection.vendor + " " + _server_version(connection),
        "projects": args.projects,
        "repeat": args.repeat,
        "insert_s": inserted,
        "index_s": indexed,
        "queries": [],
    }
    for label, text, page in QUERIES:
        result["queries"].append(
            {
                "label": label,
                "query": text,
                "page": page,
                "service": time_service(text, page, args.repeat),
                "view": time_view(text, page, args.repeat),
            }
        )
    result["load_average"] = os.getloadavg()[0]
    return result


def load_names(path: Path, count: int) -> list[str]:
    rows = json.loads(path.read_text())["rows"]
    names = [row["project"] for row in rows[:count]]
    if len(names) < count:  # More than the file holds: add numbered names.
        names += [f"bench-search-{i:05d}" for i in range(count - len(names))]
    return names


def insert_projects(names: list[str]) -> None:
    """Bulk-insert one project and one release per name, skipping the upload path."""
    from packaging.utils import canonicalize_name

    from stockade.names.index import ultranormalize
    from stockade.packaging.models import Project, Release

    rng = random.Random(1234)
    seen: set[str] = set()
    projects = []
    for name in names:
        normalized = canonicalize_name(name)
        if normalized not in seen:
            seen.add(normalized)
            # bulk_create skips save(), which fills in the derived names.
            projects.append(
                Project(
                    name=name,
                    normalized_name=normalized,
                    ultranormalized_name=ultranormalize(normalized),
                )
            )
    Project.objects.bulk_create(projects, batch_size=1000)
    releases = []
    for project in Project.objects.only("pk", "name"):
        words = rng.sample(VOCABULARY, rng.randint(4, 9))
        summary = f"{project.name}: " + " ".join(words)
        keywords = rng.sample(VOCABULARY, rng.randint(0, 4))
        releases.append(
            Release(
                project=project,
                version="1.0",
                canonical_version="1",
                summary=summary[:512],
                metadata={"name": project.name, "version": "1.0", "keywords": keywords},
            )
        )
    Release.objects.bulk_create(releases, batch_size=1000)


def time_service(text: str, page: int, repeat: int) -> dict:
    from stockade.web.search import search_projects

    def once() -> None:
        result = search_projects(text, page=page)
        list(result.page.object_list)

    return _time(once, repeat)


def time_view(text: str, page: int, repeat: int) -> dict:
    from django.test import Client

    client = Client()

    def once() -> None:
        response = client.get("/search/", {"q": text, "page": page})
        assert response.status_code == 200

    return _time(once, repeat)


def _time(call, repeat: int) -> dict:
    for _ in range(3):  # warm-up: caches, prepared plans, template loading
        call()
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {"samples": samples, "cpu": cpu}


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


# --- Reporting. ----------------------------------------------------------------------------------


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(pct) - 1]


def print_result(result: dict) -> None:
    console.print(
        f"\n[bold]{result['server']}[/]: {result['projects']} projects inserted in "
        f"{result['insert_s']:.1f} s, index built in {result['index_s']:.1f} s; "
        f"{result['cpus']} CPUs, load average {result['load_average']:.1f} at the end"
    )
    table = Table(title=f"Search latency, ms ({result['repeat']} runs each)")
    table.add_column("query")
    for column in ("service CPU p50", "service p50", "service p99", "page p50", "page p99"):
        table.add_column(column, justify="right")
    table.add_column("page p99 / goal", justify="right")
    every_service: list[float] = []
    every_view: list[float] = []
    every_cpu: list[float] = []
    for q in result["queries"]:
        service, view = q["service"]["samples"], q["view"]["samples"]
        cpu = q["service"]["cpu"]
        every_service += service
        every_view += view
        every_cpu += cpu
        page = f", page {q['page']}" if q["page"] != 1 else ""
        label = f"{q['query']!r}{page} ({q['label']})"
        table.add_row(label, *_figures(cpu, service, view))
    table.add_section()
    table.add_row("all queries", *_figures(every_cpu, every_service, every_view))
    console.print(table)


def _figures(cpu: list[float], service: list[float], view: list[float]) -> list[str]:
    p99 = percentile(view, 99)
    return [
        f"{percentile(cpu, 50):.2f}",
        f"{percentile(service, 50):.2f}",
        f"{percentile(service, 99):.2f}",
        f"{percentile(view, 50):.2f}",
        f"{p99:.2f}",
        f"{p99 / GOAL_MS:.2f}",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
