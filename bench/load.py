"""Load the corpus into an index, and time a real twine upload.

Loading 3,000 wheels through twine takes a process per call and serial uploads, so the load sends
the same request twine sends (a ``multipart/form-data`` POST with ``:action=file_upload``) from
a pool of threads, one keep-alive connection each. The timed upload uses twine itself.
"""

from __future__ import annotations

import http.client
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import urlsplit

from rich.progress import Progress

from bench.corpus import Wheel
from bench.servers import BIN, IndexServer, clean_env, pinned


def multipart_body(
    fields: dict[str, str | list[str]], filename: str, content: bytes
) -> tuple[bytes, str]:
    """Encode ``fields`` and the file as twine does; return (body, Content-Type)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + item.encode()
                + b"\r\n"
            )
    parts.append(
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="content"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _Uploader:
    """One keep-alive connection per thread to the server's upload URL."""

    def __init__(self, server: IndexServer) -> None:
        url = urlsplit(server.upload_url())
        self.host, self.port, self.path = url.hostname or "127.0.0.1", url.port, url.path
        self.auth = server.auth_header()
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        return conn

    def upload(self, wheel: Wheel) -> None:
        body, content_type = multipart_body(
            wheel.form_fields(), wheel.filename, wheel.path.read_bytes()
        )
        headers = {"Content-Type": content_type, "Authorization": self.auth}
        for attempt in range(3):
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.5)
                continue
            if response.status in (200, 201):
                return
            if response.status in (502, 503, 504) and attempt < 2:
                time.sleep(0.5)
                continue
            raise RuntimeError(
                f"upload of {wheel.filename} answered {response.status} {response.reason}: "
                f"{text[:300]!r}"
            )


def load_corpus(
    server: IndexServer, wheels: Iterable[Wheel], *, threads: int = 8, progress: Progress
) -> float:
    """Upload ``wheels`` to ``server``; return the seconds it took."""
    wheels = list(wheels)
    uploader = _Uploader(server)
    task = progress.add_task(f"Loading {server.label}", total=len(wheels))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(uploader.upload, wheel) for wheel in wheels]
        try:
            for future in as_completed(futures):
                future.result()
                progress.advance(task)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return time.perf_counter() - started


def twine_upload(server: IndexServer, wheels: list[Wheel], *, cpus: str | None) -> float:
    """Upload ``wheels`` with one twine call, as a user would; return the wall-clock seconds."""
    args = [
        str(BIN / "twine"),
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        server.upload_url(),
        "-u",
        server.username,
        "-p",
        server.password,
        *(str(w.path) for w in wheels),
    ]
    started = time.perf_counter()
    result = subprocess.run(
        pinned(args, cpus), env=clean_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"twine upload to {server.label} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return elapsed
