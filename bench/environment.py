"""What the numbers were measured on: the machine, the versions, and the tools the bench needs."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path

from bench.servers import BIN, nginx_binary

REPO = Path(__file__).resolve().parent.parent


def ensure_tools() -> None:
    """Install wrk and nginx from Debian's packages when they are missing (as root only)."""
    # eatmydata only speeds up loading the corpus (no fsync); the bench runs without it.
    missing = [tool for tool in ("wrk", "nginx", "eatmydata") if not _which(tool)]
    if not missing:
        return
    if os.geteuid() != 0:
        if "wrk" in missing or "nginx" in missing:
            raise SystemExit("The bench needs wrk and nginx: apt-get install -y wrk nginx")
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/usr/local/sbin")


def _first_line(args: list[str]) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return "not found"
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def machine_facts() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    system = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip('"')
                system = f"{pretty}, Linux {platform.release()}"
    except OSError:
        pass
    return {"CPUs (nproc)": str(os.cpu_count()), "CPU": cpu, "RAM": ram, "OS": system}


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    revision = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    stockade = (
        f"{_dist_version('stockade')} (git {revision}{', with local changes' if dirty else ''})"
    )
    return {
        "Python": platform.python_version(),
        "Stockade": stockade,
        "uWSGI": _first_line([str(BIN / "uwsgi"), "--version"]),
        "pypiserver": _dist_version("pypiserver"),
        "devpi-server": _dist_version("devpi-server"),
        "waitress (pypiserver's and devpi's server)": _dist_version("waitress"),
        "twine": _dist_version("twine"),
        "nginx": _first_line([nginx_binary(), "-v"]).removeprefix("nginx version: "),
        "wrk": " ".join(_first_line(["wrk", "-v"]).split()[:2]),
    }
