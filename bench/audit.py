"""``python -m bench.audit``: what the audit log costs uploads, measured (issue 4).

Uploads per second with 16 concurrent uploaders, audit recording on versus the same code with
``STOCKADE_AUDIT_RECORDING=false`` (a benchmark-only switch: ``record_event`` and
``note_token_use`` then write nothing). Goal: recording on keeps at least 90% of the throughput.

Each run starts a fresh ``stockade serve --workers 2`` (uWSGI, 8 threads per worker) on a fresh
PostgreSQL database cloned from a migrated template, with its own data directory, 2FA off and
TUF signing off (so the comparison isolates the audit log; ``--tuf`` keeps signing on). Every
upload creates a new project, so recording writes three events per upload (project:create,
release:add, file:add) after ``note_token_use``'s lookup, and sealing runs after each commit.
Runs alternate on, off, on, off… to spread the noise of a shared machine; the ratio is of the
medians (the best runs are shown too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.uploads import UploadStats, prepare_wheels, run_uploads, unique_prefix

BIN = Path(sys.executable).parent
GOAL = 0.90
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MODES = ("on", "off")


# -- pure parts (tests/bench/test_audit_bench.py) ----------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Recording on versus off, from the uploads/s of alternating runs."""

    on: tuple[float, ...]
    off: tuple[float, ...]
    goal: float = GOAL

    @property
    def median_on(self) -> float:
        return statistics.median(self.on)

    @property
    def median_off(self) -> float:
        return statistics.median(self.off)

    @property
    def ratio(self) -> float:
        """Median on / median off: the headline figure."""
        return self.median_on / self.median_off

    @property
    def best_ratio(self) -> float:
        return max(self.on) / max(self.off)

    @property
    def paired_ratios(self) -> tuple[float, ...]:
        """On / off within each round (adjacent runs, so similar machine load)."""
        return tuple(a / b for a, b in zip(self.on, self.off, strict=False))

    @property
    def goal_met(self) -> bool:
        return self.ratio >= self.goal

    def summary(self) -> str:
        verdict = "MET" if self.goal_met else "MISSED"
        pairs = ", ".join(f"{r:.1%}" for r in self.paired_ratios)
        return (
            f"recording on : median {self.median_on:6.1f} uploads/s (best {max(self.on):6.1f})\n"
            f"recording off: median {self.median_off:6.1f} uploads/s (best {max(self.off):6.1f})\n"
            f"ratio on/off : {self.ratio:.1%} of medians, {self.best_ratio:.1%} of bests "
            f"(per round: {pairs})\n"
            f"goal (at least {self.goal:.0%}): {verdict}"
        )


def run_order(rounds: int) -> list[str]:
    """Alternate the modes: on, off, on, off…"""
    return [mode for _ in range(rounds) for mode in MODES]


def database_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def parse_proc_stat(text: str) -> tuple[int, int, int]:
    """(ppid, utime + stime in clock ticks, pid) from a ``/proc/<pid>/stat`` line."""
    pid = int(text.split(" ", 1)[0])
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    # fields[0] is the state (stat field 3); ppid is field 4, utime 14, stime 15.
    return int(fields[1]), int(fields[11]) + int(fields[12]), pid


# -- CPU accounting (Linux /proc) ---------------------------------------------------------------


def _all_stats() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, CPU ticks) for every process we can read."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, ticks, pid = parse_proc_stat(Path(f"/proc/{entry}/stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
        found[pid] = (ppid, ticks)
    return found


def cpu_ticks(root: int, backends: Sequence[int]) -> dict[int, int]:
    """CPU ticks of ``root`` and its descendants (uWSGI) and of the given PostgreSQL backends."""
    stats = _all_stats()
    wanted = {root, *backends}
    grew = True
    while grew:
        children = {pid for pid, (ppid, _) in stats.items() if ppid in wanted} - wanted
        grew = bool(children)
        wanted |= children
    return {pid: stats[pid][1] for pid in wanted if pid in stats}


def backend_pids(db_url: str) -> list[int]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def cpu_seconds_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU used between two ``cpu_ticks`` samples (processes new since ``before`` count in full)."""
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return ticks / os.sysconf("SC_CLK_TCK")


# -- servers ---------------------------------------------------------------------------------


def _admin(base_url: str):
    import psycopg

    return psycopg.connect(database_url(base_url, "postgres"), autocommit=True)


def server_env(data_dir: Path, db_url: str, *, recording: bool, tuf: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STOCKADE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        STOCKADE_DATA_DIR=str(data_dir),
        STOCKADE_DATABASE_URL=db_url,
        STOCKADE_REQUIRE_2FA="off",
        STOCKADE_TUF="true" if tuf else "false",
        STOCKADE_AUDIT_RECORDING="true" if recording else "false",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "stockade"), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"stockade {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


@contextmanager
def template_database(base_url: str, tmp: Path, *, tuf: bool) -> Iterator[str]:
    """A migrated database to clone for each run (migrating once saves time per run)."""
    name = f"stockade_bench_audit_tmpl_{uuid.uuid4().hex[:8]}"
    with _admin(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = server_env(tmp / "template", database_url(base_url, name), recording=True, tuf=tuf)
        _cli(env, "migrate", "--verbosity", "0")
        yield name
    finally:
        with _admin(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    database: str
    db_url: str
    log: Path


@contextmanager
def serve(
    base_url: str, template: str, tmp: Path, *, recording: bool, workers: int, tuf: bool
) -> Iterator[Server]:
    """A fresh ``stockade serve`` on a fresh clone of the template database, with a token."""
    from tests.e2e.harness import free_port

    name = f"stockade_bench_audit_{uuid.uuid4().hex[:8]}"
    with _admin(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    data_dir = Path(tempfile.mkdtemp(prefix=f"audit-{'on' if recording else 'off'}-", dir=tmp))
    db_url = database_url(base_url, name)
    env = server_env(data_dir, db_url, recording=recording, tuf=tuf)
    port = free_port()
    log = data_dir / "serve.log"
    process = None
    try:
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(BIN / "stockade"), "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/simple/", process, log)
        _cli(env, "user", "create", "bench", "--email", "bench@example.com")
        token = _cli(env, "token", "create", "--user", "bench")
        yield Server(url, token, process, name, db_url, log)
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with _admin(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)  # thousands of small files: not at the end


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"stockade serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"stockade serve did not start:\n{log.read_text()}")


def audit_counts(db_url: str, settle: float = 5) -> tuple[int, int]:
    """(events, unsealed events) in the run's database, after giving the sealer ``settle`` s."""
    import psycopg

    deadline = time.monotonic() + settle
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            total, unsealed = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE seq IS NULL) FROM audit_auditevent"
            ).fetchone()
            if unsealed == 0 or time.monotonic() > deadline:
                return total, unsealed
            time.sleep(0.5)


# -- the benchmark -----------------------------------------------------------------------------


@dataclass
class RunResult:
    mode: str
    per_second: float
    p50_ms: float
    p99_ms: float
    count: int
    seconds: float
    failures: int
    load_before: float
    load_after: float
    events: int
    unsealed: int
    cpu_ms_per_upload: float  # server CPU (uWSGI + its PostgreSQL backends) per timed upload


def one_run(args: argparse.Namespace, template: str, tmp: Path, mode: str) -> RunResult:
    prefix = unique_prefix(f"audit-{mode}")
    warmup = prepare_wheels(f"{prefix}-warm", args.warmup)
    timed = prepare_wheels(prefix, args.count)
    with serve(
        args.database_url,
        template,
        tmp,
        recording=mode == "on",
        workers=args.workers,
        tuf=args.tuf,
    ) as server:
        warm = run_uploads(server.url, server.token, warmup, args.concurrency)
        if warm.failures:
            raise RuntimeError(f"warm-up uploads failed: {warm.failures[:3]}")
        load_before = os.getloadavg()[0]
        cpu_before = cpu_ticks(server.process.pid, backend_pids(server.db_url))
        stats: UploadStats = run_uploads(server.url, server.token, timed, args.concurrency)
        cpu_after = cpu_ticks(server.process.pid, backend_pids(server.db_url))
        load_after = os.getloadavg()[0]
        events, unsealed = audit_counts(server.db_url)
    if stats.failures:
        raise RuntimeError(f"{len(stats.failures)} uploads failed, e.g. {stats.failures[:3]}")
    return RunResult(
        mode,
        stats.per_second,
        stats.p50_ms,
        stats.p99_ms,
        stats.count,
        stats.seconds,
        len(stats.failures),
        load_before,
        load_after,
        events,
        unsealed,
        cpu_seconds_between(cpu_before, cpu_after) * 1000 / max(stats.count, 1),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="on/off pairs (default 3)")
    parser.add_argument("--count", type=int, default=600, help="timed uploads per run")
    parser.add_argument("--warmup", type=int, default=48, help="untimed uploads first")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uWSGI worker processes")
    parser.add_argument("--tuf", action="store_true", help="keep TUF signing on in both modes")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL server to create (and drop) the run databases on",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    print(
        f"nproc {os.cpu_count()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{args.concurrency} uploaders, --workers {args.workers}, {args.count} timed uploads "
        f"per run after {args.warmup} warm-up, {args.rounds} rounds, TUF {'on' if args.tuf else 'off'}"
    )
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp_name:
        tmp = Path(tmp_name)
        with template_database(args.database_url, tmp, tuf=args.tuf) as template:
            for mode in run_order(args.rounds):
                result = one_run(args, template, tmp, mode)
                results.append(result)
                print(
                    f"recording {mode:>3}: {result.per_second:6.1f} uploads/s  "
                    f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                    f"({result.count} in {result.seconds:.1f} s; load {result.load_before:.2f}"
                    f"->{result.load_after:.2f}; audit events {result.events}, "
                    f"unsealed {result.unsealed}; server CPU "
                    f"{result.cpu_ms_per_upload:.1f} ms/upload)",
                    flush=True,
                )
    comparison = Comparison(
        on=tuple(r.per_second for r in results if r.mode == "on"),
        off=tuple(r.per_second for r in results if r.mode == "off"),
    )
    cpu = {}
    for mode in MODES:
        runs = [r for r in results if r.mode == mode]
        cpu[mode] = statistics.median(r.cpu_ms_per_upload for r in runs)
        print(
            f"recording {mode:>3}: median p50 {statistics.median(r.p50_ms for r in runs):.1f} ms, "
            f"median p99 {statistics.median(r.p99_ms for r in runs):.1f} ms, median server CPU "
            f"{cpu[mode]:.1f} ms/upload"
        )
    print(
        f"server CPU per upload, off/on: {cpu['off'] / cpu['on']:.1%} (the throughput ratio a "
        "CPU-bound server would see; steadier than wall time on a busy machine)"
    )
    print(comparison.summary(), flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": [asdict(r) for r in results],
                    "ratio": comparison.ratio,
                    "best_ratio": comparison.best_ratio,
                    "goal_met": comparison.goal_met,
                    "cpu_ratio": cpu["off"] / cpu["on"],
                    "nproc": os.cpu_count(),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
