"""Start and stop the servers under test: Stockade, pypiserver, devpi-server and nginx.

Every process the bench starts is registered with one ``ProcessGroup``, which kills them all
(their whole process groups, children included) when the bench ends, fails or is interrupted.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import nginxconf

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# The peers' versions are pinned in pyproject.toml's `bench` group; these are checked at start so
# a report never names a version that did not run.
PINNED = {"pypiserver": "2.4.2", "devpi-server": "6.20.3"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """``command`` restricted to the CPUs ``cpus`` (a taskset list such as "0"), if given."""
    return ["taskset", "-c", cpus, *command] if cpus else command


def without_fsync(command: list[str]) -> list[str]:
    """``command`` under eatmydata (fsync becomes a no-op) when it is installed."""
    eatmydata = shutil.which("eatmydata")
    return [eatmydata, *command] if eatmydata else command


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would point a tool at another index or database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STOCKADE_", "PIP_", "UV_", "TWINE_", "DEVPI"))
        and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.update(extra)
    return env


class ProcessGroup:
    """Owns every process the bench starts; ``close`` ends them all."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Children that outlived their leader (a uWSGI worker, an nginx worker) share its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process in self.processes:
            self.processes.remove(process)

    def close(self) -> None:
        for process in reversed(list(self.processes)):
            self.stop(process, timeout=10)

    def __enter__(self) -> ProcessGroup:
        # Turn SIGTERM and SIGHUP into an exception, so `with` blocks still clean up.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _raise_system_exit)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _raise_system_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited early; its log:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s; log:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class IndexServer:
    """One package index under test, with its own state directory."""

    state: Path
    processes: ProcessGroup
    label: str = ""
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    # What differs between indexes.
    username: str = ""
    password: str = ""
    load_connections: int = 8  # parallel uploads while loading the corpus

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.state / "server.log"

    def prepare(self) -> None:
        """Create the empty index (users, tokens, indexes) before the first start."""

    def command(self, workers: int) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return clean_env()

    def after_start(self) -> None:
        """Anything that needs the running server once (devpi: create the index)."""

    def upload_url(self) -> str:
        raise NotImplementedError

    def simple_index_url(self) -> str:
        raise NotImplementedError

    def simple_project_url(self, name: str) -> str:
        raise NotImplementedError

    def auth_header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def start(self, *, cpus: str | None = None, workers: int = 1, fast_disk: bool = False) -> None:
        """Start on a new port; ``fast_disk`` skips fsync (for loading, never for measuring)."""
        self.port = free_port()
        command = self.command(workers)
        args = pinned(without_fsync(command) if fast_disk else command, cpus)
        self.process = self.processes.spawn(args, env=self.env(), log=self.log)
        wait_for(self.ready_url(), self.process, self.log)

    def ready_url(self) -> str:
        return self.simple_index_url()

    def stop(self) -> None:
        if self.process is not None:
            self.processes.stop(self.process)
            self.process = None


@dataclass
class StockadeServer(IndexServer):
    label: str = "stockade"

    def env(self) -> dict[str, str]:
        return clean_env(STOCKADE_DATA_DIR=str(self.state / "data"))

    @property
    def files_dir(self) -> Path:
        return self.state / "data" / "files"

    def prepare(self) -> None:
        (self.state / "data").mkdir(parents=True, exist_ok=True)
        stockade = str(BIN / "stockade")
        run = lambda *a: subprocess.run(  # noqa: E731
            [stockade, *a], env=self.env(), check=True, capture_output=True, text=True
        )
        # With a second factor: uploads need one under the default STOCKADE_REQUIRE_2FA=publish.
        run("user", "create", "bench", "--email", "bench@example.com", "--totp")
        self.username = "__token__"
        self.password = run("token", "create", "--user", "bench").stdout.strip()

    def command(self, workers: int) -> list[str]:
        return [str(BIN / "stockade"), "serve", "--port", str(self.port), "--workers", str(workers)]

    def upload_url(self) -> str:
        return f"{self.base}/legacy/"

    def simple_index_url(self) -> str:
        return f"{self.base}/simple/"

    def simple_project_url(self, name: str) -> str:
        return f"{self.base}/simple/{name}/"


@dataclass
class PypiServer(IndexServer):
    label: str = "pypiserver"

    def prepare(self) -> None:
        (self.state / "packages").mkdir(parents=True, exist_ok=True)
        # Uploads are open (`-a . -P .`); twine still wants a name and a password.
        self.username, self.password = "bench", "bench"

    def command(self, workers: int) -> list[str]:
        # "auto" runs waitress when it is installed (the bench group has it), the production
        # server pypiserver recommends; the `cache` extra (watchdog) turns on its cached backend.
        return [
            str(BIN / "pypi-server"),
            "run",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--server",
            "auto",
            "-a",
            ".",
            "-P",
            ".",
            str(self.state / "packages"),
        ]

    def upload_url(self) -> str:
        return f"{self.base}/"

    def simple_index_url(self) -> str:
        return f"{self.base}/simple/"

    def simple_project_url(self, name: str) -> str:
        return f"{self.base}/simple/{name}/"


@dataclass
class DevpiServer(IndexServer):
    label: str = "devpi"
    index: str = "root/bench"
    # devpi-server takes one write transaction at a time; parallel uploads only queue, and time
    # out after 60 s waiting for the database lock.
    load_connections: int = 1

    def prepare(self) -> None:
        self.username, self.password = "root", "bench-root-password"
        subprocess.run(
            [
                str(BIN / "devpi-init"),
                "--serverdir",
                str(self.state / "server"),
                "--no-root-pypi",
                "--root-passwd",
                self.password,
            ],
            env=self.env(),
            check=True,
            capture_output=True,
        )
        secret = subprocess.run(
            [str(BIN / "devpi-gen-secret"), "--secretfile", str(self.state / "secret")],
            env=self.env(),
            capture_output=True,
            check=False,
        )
        if secret.returncode != 0:  # older devpi: write one by hand
            (self.state / "secret").write_bytes(base64.b64encode(os.urandom(32)))
        (self.state / "secret").chmod(0o600)

    def command(self, workers: int) -> list[str]:
        return [
            str(BIN / "devpi-server"),
            "--serverdir",
            str(self.state / "server"),
            "--secretfile",
            str(self.state / "secret"),
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]

    def after_start(self) -> None:
        request = urllib.request.Request(
            f"{self.base}/{self.index}",
            data=json.dumps({"bases": [], "volatile": True}).encode(),
            method="PUT",
            headers={
                "Authorization": self.auth_header(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"devpi: creating {self.index} answered {response.status}")

    def ready_url(self) -> str:
        return f"{self.base}/+api"

    def upload_url(self) -> str:
        return f"{self.base}/{self.index}/"

    def simple_index_url(self) -> str:
        return f"{self.base}/{self.index}/+simple/"

    def simple_project_url(self, name: str) -> str:
        return f"{self.base}/{self.index}/+simple/{name}/"


@dataclass
class NginxServer:
    """A private nginx: one worker, serving a plain static directory (the limit) on one port and
    Stockade's stored pages through docs/nginx.conf on another."""

    prefix: Path
    processes: ProcessGroup
    static_root: Path
    stockade_files: Path
    stockade_upstream: str
    static_port: int = field(default_factory=free_port)
    stockade_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def static_base(self) -> str:
        return f"http://{HOST}:{self.static_port}"

    @property
    def stockade_base(self) -> str:
        return f"http://{HOST}:{self.stockade_port}"

    def start(self, *, cpus: str | None = None) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(
            nginxconf.bench_config(
                prefix=self.prefix,
                static_root=self.static_root,
                static_port=self.static_port,
                stockade_files=self.stockade_files,
                stockade_port=self.stockade_port,
                stockade_upstream=self.stockade_upstream,
                user=getpass.getuser() if os.geteuid() == 0 else None,
            )
        )
        nginx = nginx_binary()
        log = self.prefix / "nginx.log"
        check = subprocess.run(
            [nginx, "-t", "-q", "-e", "stderr", "-p", str(self.prefix), "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the generated configuration:\n{check.stderr}")
        args = pinned([nginx, "-e", "stderr", "-p", str(self.prefix), "-c", str(conf)], cpus)
        self.process = self.processes.spawn(args, env=clean_env(), log=log)
        wait_for(f"{self.static_base}/", self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            self.processes.stop(self.process)
            self.process = None


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    return found
