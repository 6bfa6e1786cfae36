"""Small helpers for driving twine, pip, uv and plain HTTP against a running index.

pip runs from the test venv with ``--python`` into a bare virtual environment, which is the
same pip installing into a fresh environment, minus the seconds that seeding pip into every
new venv costs.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from tests.e2e.harness import BIN, RunningIndex, run


def twine_upload(
    index: RunningIndex, token: str, *files: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run(
        [
            str(BIN / "twine"),
            "--no-color",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            index.upload_url,
            "-u",
            "__token__",
            "-p",
            token,
            *map(str, files),
        ],
        env=env,
        check=check,
    )


def bare_venv(path: Path) -> Path:
    """A fresh virtual environment without pip (pip and uv install into it); returns its python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(path)])
    return path / "bin" / "python"


def pip(
    python: Path, *args: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the test venv's pip against ``python``'s environment."""
    return run([sys.executable, "-m", "pip", "--python", str(python), *args], env=env, check=check)


def uv(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "uv"), *args], env=env, check=check)


def installed_wheel_generator(python: Path, distribution: str) -> str:
    """The ``Generator`` line of the installed WHEEL file: which wheel was installed.

    Wheels from tests.distributions say ``stockade-tests``; wheels built from its sdists say
    ``in-tree``.
    """
    code = (
        "import importlib.metadata as m, email; "
        f"print(email.message_from_string(m.distribution({distribution!r}).read_text('WHEEL'))"
        "['Generator'])"
    )
    return run([str(python), "-c", code]).stdout.strip()


def installed_version(python: Path, distribution: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    return run([str(python), "-c", code]).stdout.strip()


@dataclass
class Reply:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """One HTTP request; redirects are returned, not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, response.reason, response.headers, body)
    finally:
        connection.close()


def resolve(page_url: str, relative: str) -> str:
    return urljoin(page_url, relative)
