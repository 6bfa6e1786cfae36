"""Start a real ``stockade serve`` and drive real clients against it.

Each ``RunningIndex`` has its own data directory and, when the suite runs on PostgreSQL
(``STOCKADE_DATABASE_URL=postgresql://…``), its own freshly created database, dropped afterwards.
Clients run with an isolated configuration: this machine's pip configuration adds other indexes
and find-links, which would let a test pass by installing from somewhere else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_client_env(**extra: str) -> dict[str, str]:
    """The environment for pip, uv and twine: no machine-wide index settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "TWINE_", "STOCKADE_"))
    }
    env.update(
        PIP_CONFIG_FILE="/dev/null",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, env=env, capture_output=True, text=True, input=input, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def _fresh_database_url() -> tuple[str | None, str | None]:
    """Create a throw-away PostgreSQL database when the suite runs on PostgreSQL."""
    base = os.environ.get("STOCKADE_DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        return None, None
    import psycopg

    name = f"stockade_e2e_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_database(name: str) -> None:
    import psycopg

    parts = urlsplit(os.environ["STOCKADE_DATABASE_URL"])
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class RunningIndex:
    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    database: str | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data_dir / "serve.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    @property
    def upload_url(self) -> str:
        return f"{self.url}/legacy/"

    def cli(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``stockade ARGS`` against this index's data directory and database."""
        return run([str(BIN / "stockade"), *args], env=self.env, check=check, input=input)

    def create_user(self, name: str) -> None:
        # With an authenticator app: uploads need a second factor under the default policy.
        self.cli("user", "create", name, "--email", f"{name}@example.com", "--totp")

    def create_token(self, user: str, *args: str) -> str:
        return self.cli("token", "create", "--user", user, *args).stdout.strip()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "stockade"), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"stockade serve exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/simple/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise AssertionError(f"stockade serve did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        if self.database:
            _drop_database(self.database)


def start_index(data_dir: Path, **env_overrides: str) -> RunningIndex:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STOCKADE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["STOCKADE_DATA_DIR"] = str(data_dir)
    database_url, database = _fresh_database_url()
    if database_url:
        env["STOCKADE_DATABASE_URL"] = database_url
    env.update(env_overrides)
    index = RunningIndex(data_dir=data_dir, port=free_port(), env=env, database=database)
    try:
        index.start()
    except BaseException:
        index.close()
        raise
    return index


def make_venv(path: Path) -> Path:
    """A fresh virtual environment with pip; returns its python."""
    run([sys.executable, "-m", "venv", str(path)])
    return path / "bin" / "python"
