"""Tables of the figures with their ratios, on the terminal and in docs/benchmarks.md.

A ratio says how many times better a server did than the one named in the column: req/s divided
by the other's req/s, or the other's seconds divided by this server's seconds for the upload.
Above 1 is better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Measurement

# Server labels, in the order tables show them.
STOCKADE = "stockade"
STOCKADE_2W = "stockade 2 workers"
PYPISERVER = "pypiserver"
DEVPI = "devpi"
NGINX_STOCKADE = "nginx + stored pages"
NGINX_STATIC = "nginx static"
SERVER_ORDER = [STOCKADE, STOCKADE_2W, PYPISERVER, DEVPI, NGINX_STOCKADE, NGINX_STATIC]
# The columns every figure is compared against.
BASELINES = [STOCKADE, PYPISERVER, DEVPI, NGINX_STATIC]

# Figure key -> what it is.
READ_FIGURES = {
    "project-c16": "/simple/<project>/, c16",
    "project-c64": "/simple/<project>/, c64",
    "index-c16": "/simple/, c16",
    "index-c64": "/simple/, c64",
    "wheel-c16": "wheel download, c16",
}
SIMPLE_FIGURES = ["project-c16", "project-c64", "index-c16", "index-c64"]

MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"


@dataclass
class Results:
    reads: dict[str, dict[str, Measurement]] = field(default_factory=dict)  # figure -> server ->
    twine_seconds: dict[str, float] = field(default_factory=dict)  # server -> seconds
    load_seconds: dict[str, float] = field(default_factory=dict)  # server -> seconds
    twine_files: int = 100
    load_average: list[float] = field(default_factory=list)  # 1-minute, before and after reads
    failures: list[str] = field(default_factory=list)  # steps that failed, for the record

    def keep_best(self, figure: str, server: str, measurement: Measurement) -> None:
        """Record ``measurement`` unless a faster run of the same figure is already recorded."""
        current = self.reads.get(figure, {}).get(server)
        if current is None or measurement.requests_per_second > current.requests_per_second:
            self.add_read(figure, server, measurement)

    def add_read(self, figure: str, server: str, measurement: Measurement) -> None:
        self.reads.setdefault(figure, {})[server] = measurement

    def rps(self, figure: str, server: str) -> float | None:
        found = self.reads.get(figure, {}).get(server)
        return found.requests_per_second if found else None


@dataclass(frozen=True)
class Goal:
    text: str
    ratio: float | None
    target: float

    @property
    def met(self) -> bool:
        return self.ratio is not None and self.ratio >= self.target


def format_rate(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.0f}"


def format_ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:,.0f}"


def format_ratio(value: float | None) -> str:
    if value is None or math.isnan(value) or math.isinf(value):
        return "—"
    if value >= 10:
        return f"{value:,.0f}x"
    return f"{value:.2f}x"


def ratio(
    mine: float | None, theirs: float | None, *, higher_is_better: bool = True
) -> float | None:
    if not mine or not theirs:
        return None
    return mine / theirs if higher_is_better else theirs / mine


def servers_in(results: Results) -> list[str]:
    seen = {s for by_server in results.reads.values() for s in by_server}
    seen |= set(results.twine_seconds)
    return [s for s in SERVER_ORDER if s in seen]


def read_header() -> list[str]:
    return ["figure", "server", "req/s", "p99 ms", "errors", *(f"vs {b}" for b in BASELINES)]


def read_rows(results: Results) -> list[list[str]]:
    rows = []
    for figure, title in READ_FIGURES.items():
        by_server = results.reads.get(figure, {})
        for server in servers_in(results):
            m = by_server.get(server)
            if m is None:
                continue
            ratios = [
                "—"
                if base == server
                else format_ratio(ratio(m.requests_per_second, results.rps(figure, base)))
                for base in BASELINES
            ]
            rows.append(
                [
                    title,
                    server,
                    format_rate(m.requests_per_second),
                    format_ms(m.p99_ms),
                    str(m.errors),
                    *ratios,
                ]
            )
    return rows


def twine_header() -> list[str]:
    return ["server", "seconds", "wheels/s", *(f"vs {b}" for b in BASELINES if "nginx" not in b)]


def twine_rows(results: Results) -> list[list[str]]:
    rows = []
    for server in servers_in(results):
        seconds = results.twine_seconds.get(server)
        if seconds is None:
            continue
        ratios = [
            "—"
            if base == server
            else format_ratio(
                ratio(seconds, results.twine_seconds.get(base), higher_is_better=False)
            )
            for base in BASELINES
            if "nginx" not in base
        ]
        rows.append([server, f"{seconds:.1f}", f"{results.twine_files / seconds:.1f}", *ratios])
    return rows


def goals(results: Results) -> list[Goal]:
    found = []
    for figure in SIMPLE_FIGURES:
        title = READ_FIGURES[figure]
        found.append(
            Goal(
                f"stockade >= 10x devpi-server, {title}",
                ratio(results.rps(figure, STOCKADE), results.rps(figure, DEVPI)),
                10.0,
            )
        )
    for figure in SIMPLE_FIGURES:
        title = READ_FIGURES[figure]
        found.append(
            Goal(
                f"nginx on Stockade's stored pages >= 90% of nginx static, {title}",
                ratio(results.rps(figure, NGINX_STOCKADE), results.rps(figure, NGINX_STATIC)),
                0.9,
            )
        )
    return found


def goal_rows(results: Results) -> list[list[str]]:
    return [[g.text, format_ratio(g.ratio), "met" if g.met else "MISSED"] for g in goals(results)]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    aligns = ["---" if i < 2 else "---:" for i in range(len(header))]
    return "\n".join([line(header), "| " + " | ".join(aligns) + " |", *map(line, rows)])


def markdown_section(
    results: Results,
    *,
    date: str,
    command: str,
    machine: dict[str, str],
    versions: dict[str, str],
    setup: list[str],
) -> str:
    facts = "\n".join(f"- {k}: {v}" for k, v in machine.items())
    tools = "\n".join(f"- {k}: {v}" for k, v in versions.items())
    notes = "\n".join(f"- {line}" for line in setup)
    load = ", ".join(f"{s} {sec:.0f} s" for s, sec in results.load_seconds.items())
    return f"""{MARK_START}
## Results

Measured {date} with:

```
{command}
```

Machine:

{facts}

Versions:

{tools}

Setup:

{notes}

### Simple pages and a wheel download (wrk over loopback)

Ratios: this server's req/s divided by the column's; above 1 is faster.

{markdown_table(read_header(), read_rows(results))}

### Upload {results.twine_files} wheels with twine (one `twine upload` call)

Ratios: the column's seconds divided by this server's; above 1 is faster.

{markdown_table(twine_header(), twine_rows(results))}

Loading the corpus (raw uploads, 8 connections, devpi 1; servers not pinned, no fsync): {load or "—"}.
{"".join(chr(10) + "Failed: " + f for f in results.failures)}

### Goals

{markdown_table(["goal", "ratio", "status"], goal_rows(results))}
{MARK_END}
"""


def record(path: Path, section: str) -> None:
    """Put ``section`` between the markers in ``path`` (or append it), keeping the prose around it."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        _, after = rest.split(MARK_END, 1)
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n")
