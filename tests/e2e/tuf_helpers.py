"""Helpers for the TUF end-to-end tests: a verifying proxy process and storage tampering."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import RunningIndex

CLIENT_SRC = Path(__file__).resolve().parents[2] / "client" / "src"


def client_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKADE_", "DJANGO_"))}
    env["PYTHONPATH"] = str(CLIENT_SRC)
    env.update(extra)
    return env


def verify_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stockade_verify", *args],
        env=client_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Proxy:
    process: subprocess.Popen[str]
    url: str
    log: Path

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_proxy(index: RunningIndex, root: Path, cache: Path, *, interval: str = "0") -> Proxy:
    """Start ``stockade-verify proxy`` on a free port; wait until it serves."""
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / "proxy.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockade_verify",
            "proxy",
            "--index-url",
            index.url,
            "--root",
            str(root),
            "--port",
            "0",
            "--cache-dir",
            str(cache),
            "--refresh-interval",
            interval,
        ],
        env=client_env(),
        stdout=subprocess.PIPE,
        stderr=handle,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving verified" not in line:
        process.wait(timeout=10)
        # Refused at start-up (an attack in the initial refresh): keep the log for the test.
        return Proxy(process, "http://127.0.0.1:9", log)
    url = line.rsplit(" at ", 1)[1].strip().removesuffix("/simple/")
    return Proxy(process, url, log)


@contextmanager
def tampered(path: Path, data: bytes) -> Iterator[None]:
    """Replace a stored file (as an attacker who controls storage would), then restore it."""
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(original)
        # A new mtime, so the read path's stat-validated cache never keeps the tampered bytes.
        time.sleep(0.01)
        os.utime(path)
