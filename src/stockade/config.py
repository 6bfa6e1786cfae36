"""Read Stockade's configuration from ``STOCKADE_*`` environment variables.

Strict on purpose: a value that cannot be understood raises ``ImproperlyConfigured`` at start-up
with the variable's name, instead of silently falling back to a default.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
    "tib": 1024**4,
}


def env_str(name: str, default: str = "") -> str:
    """Return the variable's value, or ``default`` when it is unset or empty."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; only ``true``/``false``/``1``/``0`` are understood."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from e


def parse_size(text: str) -> int:
    """Parse a size such as ``100MiB`` or ``10 GiB`` into bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (try 100MiB or 10GiB)")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def env_size(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse_size(raw)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name}: {e}") from e


def data_dir() -> Path:
    """Return the data directory, creating it (private to this user) if needed."""
    path = Path(env_str("STOCKADE_DATA_DIR", "stockade-data")).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def load_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, generating it on first use.

    The file is created with ``O_EXCL`` so that two processes starting at once agree on one key.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
