"""``python -m bench`` (``make bench``): Stockade against pypiserver, devpi-server and nginx.

1. Build the corpus (N projects x R releases of small wheels; cached under bench/.cache).
2. Load it into each index over HTTP, as twine would (servers not pinned).
3. Restart each server on one core (taskset), wrk on the other, and measure over loopback:
   /simple/<project>/ and /simple/ at 16 and 64 connections, a wheel download, and then the
   time to upload 100 new wheels with one twine call.
4. nginx (one worker, same core): a plain static copy of the same pages (the limit), and
   Stockade's stored pages served through docs/nginx.conf.
5. Print every figure with its ratio to each peer and to nginx; optionally record it in
   docs/benchmarks.md (--output).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench import environment, report
from bench.corpus import Corpus, build_corpus
from bench.load import load_corpus, twine_upload
from bench.measure import run_wrk
from bench.servers import (
    PINNED,
    DevpiServer,
    IndexServer,
    NginxServer,
    ProcessGroup,
    PypiServer,
    StockadeServer,
)

BENCH_DIR = Path(__file__).resolve().parent
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)

# Wide enough for the ratio tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 130)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=1000, help="projects (default 1000)")
    parser.add_argument("--releases", type=int, default=3, help="releases each (default 3)")
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds per wrk run (default 10)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each figure; the best counts (default 2)"
    )
    parser.add_argument(
        "--twine-uploads", type=int, default=100, help="wheels in the timed twine upload"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a fast smoke run: 50 projects x 2 releases, 2 s per run, 10 twine uploads",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="record the results in this Markdown file (e.g. docs/benchmarks.md), "
        "between its bench:results markers",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin servers and wrk to separate cores"
    )
    parser.add_argument(
        "--no-extra", action="store_true", help="skip the Stockade --workers 2 (unpinned) row"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=["stockade", "pypiserver", "devpi", "nginx"],
        help="measure only these (repeatable; nginx needs stockade)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the servers' state directories afterwards"
    )
    parser.add_argument(
        "--cache", type=Path, default=BENCH_DIR / ".cache", help="where corpus and state live"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.projects, args.releases = min(args.projects, 50), min(args.releases, 2)
        args.duration, args.twine_uploads = min(args.duration, 2), min(args.twine_uploads, 10)
        args.rounds = 1
    if args.only and "nginx" in args.only and "stockade" not in args.only:
        args.only.append("stockade")
    return args


def cpu_split(no_pin: bool) -> tuple[str | None, str | None]:
    """(server CPUs, wrk CPUs): one core each when there are at least two."""
    if no_pin or (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return None, None
    return "0", "1"


@dataclass
class Target:
    """One server configuration under test and the three URLs it is measured on."""

    label: str
    urls: dict[str, str]  # "project", "index", "wheel"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    environment.ensure_tools()
    _check_pins()
    wanted = set(args.only or ["stockade", "pypiserver", "devpi", "nginx"])
    server_cpus, client_cpus = cpu_split(args.no_pin)
    if server_cpus is None:
        console.print("[yellow]Not pinning: servers and wrk share the CPUs.[/]")
    args.cache.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(
        args.cache, projects=args.projects, releases=args.releases, twine_uploads=args.twine_uploads
    )
    console.print(
        f"Corpus: {len(corpus.projects)} projects, {len(corpus.wheels)} wheels; "
        f"{len(corpus.twine_wheels)} more for twine. Measured project: {corpus.sample_project}."
    )
    results = report.Results(twine_files=len(corpus.twine_wheels))
    state = Path(tempfile.mkdtemp(prefix="run-", dir=args.cache))
    try:
        with ProcessGroup() as processes:
            servers: list[IndexServer] = []
            if "stockade" in wanted:
                servers.append(StockadeServer(state=state / "stockade", processes=processes))
            if "pypiserver" in wanted:
                servers.append(PypiServer(state=state / "pypiserver", processes=processes))
            if "devpi" in wanted:
                servers.append(DevpiServer(state=state / "devpi", processes=processes))
            load_all(servers, corpus, results)
            targets = start_targets(servers, state, corpus, args, wanted, server_cpus=server_cpus)
            results.load_average.append(os.getloadavg()[0])
            measure_reads(targets, results, args, client_cpus)
            results.load_average.append(os.getloadavg()[0])
            for server in servers:
                try:
                    seconds = twine_upload(server, corpus.twine_wheels, cpus=client_cpus)
                except RuntimeError as error:  # keep the read figures; say what failed
                    results.failures.append(str(error).splitlines()[0])
                    console.print(f"[red]{error}[/]\nServer log: {server.log}")
                    continue
                results.twine_seconds[server.label] = seconds
                console.print(
                    f"{server.label}: twine upload of {len(corpus.twine_wheels)} wheels "
                    f"took {seconds:.1f} s"
                )
    finally:
        if args.keep:
            console.print(f"State kept in {state}")
        else:
            shutil.rmtree(state, ignore_errors=True)
    show(results)
    save(results, args, argv)
    return 0


def _check_pins() -> None:
    import importlib.metadata

    for name, version in PINNED.items():
        installed = importlib.metadata.version(name)
        if installed != version:
            raise SystemExit(
                f"{name} {installed} is installed, the bench pins {version}: "
                "run it as `uv run --group bench python -m bench`"
            )


def load_all(servers: list[IndexServer], corpus: Corpus, results: report.Results) -> None:
    """Load the corpus into every index. Not a figure under test: Stockade gets two workers,
    nothing is pinned, and fsync is skipped (eatmydata) where available, since devpi-server
    otherwise takes about a second per upload here."""
    with Progress(console=console) as progress:
        for server in servers:
            server.prepare()
            server.start(workers=2, fast_disk=True)
            server.after_start()
            results.load_seconds[server.label] = load_corpus(
                server, corpus.wheels, threads=server.load_connections, progress=progress
            )
            server.stop()


def start_targets(
    servers: list[IndexServer],
    state: Path,
    corpus: Corpus,
    args: argparse.Namespace,
    wanted: set[str],
    *,
    server_cpus: str | None,
) -> list[Target]:
    """Start every configuration side by side (idle ones cost nothing) and check each serves
    the corpus, so the figures can be taken in turns."""
    targets = []
    sample = corpus.sample_project
    for server in servers:
        server.start(cpus=server_cpus, workers=1)
        targets.append(_index_target(server.label, server, corpus))
        if isinstance(server, StockadeServer) and not args.no_extra:
            extra = StockadeServer(
                state=server.state,
                processes=server.processes,
                label=report.STOCKADE_2W,
                username=server.username,
                password=server.password,
            )
            extra.start(cpus=None, workers=2)
            targets.append(_index_target(report.STOCKADE_2W, extra, corpus))
    stockade = next((s for s in servers if isinstance(s, StockadeServer)), None)
    if stockade is None or "nginx" not in wanted:
        return targets
    files = stockade.files_dir
    static = state / "nginx-static"
    static.mkdir(parents=True)
    shutil.copyfile(files / "simple" / "index.html", static / "index.html")
    shutil.copyfile(files / "simple" / sample / "index.html", static / "project.html")
    wheel = next(w for w in corpus.wheels if w.dist.name == sample)
    shutil.copyfile(wheel.path, static / wheel.filename)
    nginx = NginxServer(
        prefix=state / "nginx",
        processes=stockade.processes,
        static_root=static,
        stockade_files=files,
        stockade_upstream=f"127.0.0.1:{stockade.port}",
    )
    nginx.start(cpus=server_cpus)
    check_nginx_pages(nginx.stockade_base, sample, files)
    project_url = f"{nginx.stockade_base}/simple/{sample}/"
    index_url = f"{nginx.stockade_base}/simple/"
    wheel_url = check_index(report.NGINX_STOCKADE, corpus, project_url, index_url)
    targets.append(
        Target(
            report.NGINX_STOCKADE, {"project": project_url, "index": index_url, "wheel": wheel_url}
        )
    )
    targets.append(
        Target(
            report.NGINX_STATIC,
            {
                "project": f"{nginx.static_base}/project.html",
                "index": f"{nginx.static_base}/index.html",
                "wheel": f"{nginx.static_base}/{wheel.filename}",
            },
        )
    )
    return targets


def _index_target(label: str, server: IndexServer, corpus: Corpus) -> Target:
    project_url = server.simple_project_url(corpus.sample_project)
    index_url = server.simple_index_url()
    wheel_url = check_index(label, corpus, project_url, index_url)
    return Target(label, {"project": project_url, "index": index_url, "wheel": wheel_url})


def measure_reads(
    targets: list[Target],
    results: report.Results,
    args: argparse.Namespace,
    client_cpus: str | None,
) -> None:
    """Each figure for each target in turn, ``--rounds`` times; keep each one's best run.

    Taking turns spreads any other load on the machine across all servers alike, and the best
    of a few runs is the one least disturbed by it."""
    for target in targets:  # Warm up: first requests fill caches and start threads.
        for kind in ("project", "index", "wheel"):
            run_wrk(target.urls[kind], connections=16, duration=1, cpus=client_cpus)
    runs = args.rounds * len(report.READ_FIGURES) * len(targets)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Measuring ({runs} wrk runs)", total=runs)
        for _ in range(args.rounds):
            for figure in report.READ_FIGURES:
                kind, _, connections = figure.partition("-c")
                for target in targets:
                    measurement = run_wrk(
                        target.urls[kind],
                        connections=int(connections),
                        duration=args.duration,
                        cpus=client_cpus,
                    )
                    results.keep_best(figure, target.label, measurement)
                    progress.advance(task)


def fetch(url: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers.items()), response.read()


def check_index(label: str, corpus: Corpus, project_url: str, index_url: str) -> str:
    """Check the server has the whole sample project and its listing; return a wheel URL."""
    sample = corpus.sample_project
    wheels = [w for w in corpus.wheels if w.dist.name == sample]
    _, _, page = fetch(project_url)
    text = page.decode()
    hrefs = [urljoin(project_url, h.split("#")[0]) for h in re.findall(r'href="([^"]+)"', text)]
    by_name = {urlsplit(h).path.rsplit("/", 1)[-1]: h for h in hrefs}
    missing = [w.filename for w in wheels if w.filename not in by_name]
    if missing:
        raise RuntimeError(f"{label}: {project_url} lacks {missing}")
    _, _, index = fetch(index_url)
    if corpus.projects[-1].encode() not in index:
        raise RuntimeError(f"{label}: the project list lacks {corpus.projects[-1]}")
    wheel_url = by_name[wheels[0].filename]
    _, _, data = fetch(wheel_url)
    if data != wheels[0].path.read_bytes():
        raise RuntimeError(f"{label}: {wheel_url} is not the uploaded wheel")
    return wheel_url


def check_nginx_pages(base: str, sample: str, files: Path) -> None:
    """nginx must answer exactly as Stockade would: the stored bytes, negotiated by Accept."""
    status, headers, body = fetch(f"{base}/simple/{sample}/")
    html = (files / "simple" / sample / "index.html").read_bytes()
    _expect(status == 200 and body == html, "HTML page differs from the stored one")
    _expect(headers.get("Content-Type", "").startswith("text/html"), f"HTML type {headers}")
    _expect(headers.get("Vary") == "Accept", f"no Vary: Accept in {headers}")
    status, headers, body = fetch(f"{base}/simple/{sample}/", accept=PIP_ACCEPT)
    stored_json = (files / "simple" / sample / "index.json").read_bytes()
    _expect(status == 200 and body == stored_json, "JSON page differs from the stored one")
    _expect(
        headers.get("Content-Type") == "application/vnd.pypi.simple.v1+json",
        f"JSON type {headers}",
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{base}/simple/{sample}", timeout=10)
        _expect(False, "/simple/<name> did not redirect")
    except urllib.error.HTTPError as redirect:
        _expect(
            redirect.code == 301 and redirect.headers["Location"].endswith(f"/simple/{sample}/"),
            f"/simple/<name> answered {redirect.code} {redirect.headers.get('Location')}",
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"nginx on Stockade's stored pages: {message}")


def show(results: report.Results) -> None:
    header = report.read_header()[1:]
    rows = report.read_rows(results)
    for title in report.READ_FIGURES.values():
        _print_table(title, header, [row[1:] for row in rows if row[0] == title])
    _print_table(
        f"Upload {results.twine_files} wheels with twine",
        report.twine_header(),
        report.twine_rows(results),
    )
    _print_table("Goals", ["goal", "ratio", "status"], report.goal_rows(results))


def _print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(header):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def save(results: report.Results, args: argparse.Namespace, argv: list[str] | None) -> None:
    now = datetime.datetime.now(datetime.UTC)
    machine, versions = environment.machine_facts(), environment.versions()
    raw = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine,
        "versions": versions,
        "args": {k: str(v) for k, v in vars(args).items()},
        "reads": {f: {s: m.as_dict() for s, m in by.items()} for f, by in results.reads.items()},
        "twine_seconds": results.twine_seconds,
        "load_seconds": results.load_seconds,
    }
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    raw_path = out / f"{now:%Y%m%dT%H%M%SZ}.json"
    raw_path.write_text(json.dumps(raw, indent=2) + "\n")
    console.print(f"Raw results: {raw_path.relative_to(BENCH_DIR.parent)}")
    if args.output is None:
        return
    command = "uv run --group bench python -m bench " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    setup = [
        f"{args.projects} projects x {args.releases} releases "
        f"(one small pure-Python wheel each) loaded into every index; the measured project page "
        f"has {args.releases} files",
        "each server on core 0 (`taskset -c 0`), wrk (`-t1`, keep-alive, "
        f"`--latency`, {args.duration:g} s per run) on core 1; Stockade `serve --workers 1` "
        "(uWSGI, 8 threads); pypiserver on waitress (4 threads) with its cached-directory "
        "backend; devpi-server with its defaults (waitress, 50 threads)"
        if not args.no_pin
        else f"no CPU pinning; wrk `-t1`, {args.duration:g} s per run",
        "`stockade 2 workers`: `serve --workers 2`, not pinned, sharing both cores with wrk",
        "nginx: one worker on core 0; `nginx static` serves a copy of the same page as a plain "
        "file (the limit); `nginx + stored pages` serves Stockade's data directory through "
        "docs/nginx.conf (Accept negotiation, `Vary`, content types)",
        "requests carry no Accept header (HTML pages) and use one URL per figure; all "
        f"configurations run side by side and take turns, {args.rounds} round(s), best run kept",
        "1-minute load average before and after the reads: "
        + " -> ".join(f"{x:.1f}" for x in results.load_average)
        + " (anything above 2 means other work shared the two cores)",
    ]
    section = report.markdown_section(
        results,
        date=now.strftime("%Y-%m-%d %H:%M UTC"),
        command=command.strip(),
        machine=machine,
        versions=versions,
        setup=setup,
    )
    report.record(args.output, section)
    console.print(f"Recorded in {args.output}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        console.print("[red]Interrupted; every server the bench started has been stopped.[/]")
        sys.exit(130)
