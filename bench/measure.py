"""Run wrk against one URL and read its report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from bench.servers import pinned

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)\b"


@dataclass(frozen=True)
class Measurement:
    """One wrk run: throughput, latency percentiles (milliseconds) and failures."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors (connect, read, write, timeout) plus non-2xx/3xx answers

    def as_dict(self) -> dict[str, float | int]:
        return {
            "requests_per_second": self.requests_per_second,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "requests": self.requests,
            "errors": self.errors,
        }


def parse_wrk(output: str) -> Measurement:
    """Parse the text ``wrk --latency`` prints."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rps is None:
        raise ValueError(f"no Requests/sec in wrk output:\n{output}")
    percentiles = {
        int(p): _milliseconds(value, unit)
        for p, value, unit in re.findall(rf"^\s+(\d+)%\s+{_DURATION}", output, re.MULTILINE)
    }
    if 99 not in percentiles:
        raise ValueError(f"no 99% latency in wrk output (run wrk with --latency):\n{output}")
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    errors = 0
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return Measurement(
        requests_per_second=float(rps.group(1)),
        p50_ms=percentiles.get(50, float("nan")),
        p99_ms=percentiles[99],
        requests=int(total.group(1)) if total else 0,
        errors=errors,
    )


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return found


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    cpus: str | None,
    headers: dict[str, str] | None = None,
    threads: int = 1,
) -> Measurement:
    """Load ``url`` with ``connections`` keep-alive connections for ``duration`` seconds."""
    args = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "5s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    args.append(url)
    result = subprocess.run(pinned(args, cpus), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return parse_wrk(result.stdout)
