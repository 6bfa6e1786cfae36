"""A concurrent upload load generator, reusable by any benchmark that times ``POST /legacy/``.

Build every request body first (``prepare_wheels``), so the timed part only sends them; then
``run_uploads(base_url, token, uploads, concurrency=16)`` sends them from ``concurrency`` threads,
one keep-alive ``http.client`` connection per thread, and returns an ``UploadStats`` (uploads
per second, p50/p99 latency, failures). Each upload is the multipart form twine sends.

CLI (against a running index)::

    python -m bench.uploads --url http://127.0.0.1:8000 --token pypi-… --count 400 \
        --concurrency 16 --prefix myrun
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import math
import os
import threading
import time
import uuid
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.load import multipart_body

__all__ = [
    "PreparedUpload",
    "UploadStats",
    "auth_header",
    "percentile",
    "prepare_wheels",
    "run_uploads",
    "summarize",
]


@dataclass(frozen=True)
class PreparedUpload:
    """One encoded upload request."""

    filename: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class UploadStats:
    """What one ``run_uploads`` call measured. Latencies are in seconds, in completion order."""

    count: int
    seconds: float
    concurrency: int
    latencies: tuple[float, ...] = field(repr=False)
    failures: tuple[str, ...] = ()

    @property
    def per_second(self) -> float:
        """Successful uploads per second of wall time."""
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    def line(self) -> str:
        return (
            f"{self.per_second:7.1f} uploads/s  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms"
            f"  ({self.count} uploads in {self.seconds:.2f} s, {self.concurrency} uploaders"
            f"{f', {len(self.failures)} FAILED' if self.failures else ''})"
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(
    latencies: Sequence[float], seconds: float, concurrency: int, failures: Sequence[str] = ()
) -> UploadStats:
    """Build the stats of a run: ``latencies`` of the successful uploads only."""
    return UploadStats(
        count=len(latencies),
        seconds=seconds,
        concurrency=concurrency,
        latencies=tuple(latencies),
        failures=tuple(failures),
    )


def auth_header(token: str) -> str:
    return "Basic " + b64encode(f"__token__:{token}".encode()).decode()


def encode_upload(
    fields: dict[str, str | list[str]], filename: str, content: bytes
) -> PreparedUpload:
    """Encode one upload (fields as ``Dist.form_fields`` gives them; the digest is added)."""
    fields = {**fields, "sha256_digest": hashlib.sha256(content).hexdigest()}
    body, content_type = multipart_body(fields, filename, content)
    return PreparedUpload(filename, body, content_type)


def prepare_wheels(prefix: str, count: int, *, version: str = "1.0") -> list[PreparedUpload]:
    """``count`` small valid wheels of distinct projects ``<prefix>-<i>``, encoded for upload.

    ``prefix`` should be unique per run (``unique_prefix()``), so no upload hits an existing file.
    """
    from tests.distributions import Dist

    uploads = []
    for i in range(count):
        dist = Dist(f"{prefix}-{i}", version=version)
        uploads.append(
            encode_upload(dist.form_fields("bdist_wheel"), dist.wheel_filename, dist.wheel())
        )
    return uploads


def unique_prefix(label: str = "bench") -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def run_uploads(
    base_url: str,
    token: str,
    uploads: Sequence[PreparedUpload],
    concurrency: int = 16,
    *,
    path: str = "/legacy/",
    timeout: float = 120,
) -> UploadStats:
    """Send ``uploads`` from ``concurrency`` threads (one keep-alive connection each), timed.

    A response other than 200 counts as a failure (its status and start of body are kept), not
    as an upload; the caller decides whether failures void the run.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    target = url.path.rstrip("/") + path
    auth = auth_header(token)
    lock = threading.Lock()
    pending = list(reversed(uploads))
    latencies: list[float] = []
    failures: list[str] = []
    start_gate = threading.Barrier(concurrency + 1)

    def take() -> PreparedUpload | None:
        with lock:
            return pending.pop() if pending else None

    def work() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            start_gate.wait()
            while (item := take()) is not None:
                began = time.perf_counter()
                try:
                    status, text = _post(conn, target, item, auth)
                except (OSError, http.client.HTTPException) as e:
                    conn.close()  # reconnects on the next request
                    status, text = 0, repr(e)
                took = time.perf_counter() - began
                with lock:
                    if status == 200:
                        latencies.append(took)
                    else:
                        failures.append(f"{item.filename}: {status} {text[:200]}")
        finally:
            conn.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return summarize(latencies, time.perf_counter() - began, concurrency, failures)


def _post(
    conn: http.client.HTTPConnection, target: str, item: PreparedUpload, auth: str
) -> tuple[int, str]:
    conn.request(
        "POST",
        target,
        body=item.body,
        headers={"Content-Type": item.content_type, "Authorization": auth},
    )
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    if response.will_close:
        conn.close()
    return response.status, text


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.uploads", description="Time concurrent uploads to a running index."
    )
    parser.add_argument("--url", required=True, help="the index's base URL")
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN"), help="API token")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=32, help="uploads sent first, not timed")
    parser.add_argument("--prefix", default=None, help="project name prefix (default: random)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or BENCH_TOKEN) is required")
    prefix = args.prefix or unique_prefix()
    warmup = prepare_wheels(f"{prefix}-warm", args.warmup)
    timed = prepare_wheels(prefix, args.count)
    if warmup:
        run_uploads(args.url, args.token, warmup, args.concurrency)
    stats = run_uploads(args.url, args.token, timed, args.concurrency)
    print(stats.line())
    for failure in stats.failures[:5]:
        print("  failed:", failure)
    raise SystemExit(1 if stats.failures else 0)


if __name__ == "__main__":
    main()
