"""Turn ``STOCKADE_EMAIL_URL`` into Django email settings.

* ``file://`` (default): each message is written to ``<data dir>/mail/`` so a fresh install works
  without a mail server (operators read the verification links there);
* ``smtp://[USER:PASSWORD@]HOST[:PORT]`` (STARTTLS with ``?starttls=true``, implicit TLS with
  ``smtps://``); ``console://`` prints messages (development).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def email_settings_from_url(url: str, data_dir: Path) -> dict[str, Any]:
    if not url or url.startswith("file:"):
        path = Path(unquote(urlsplit(url).path)) if url else data_dir / "mail"
        path.mkdir(parents=True, exist_ok=True)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(path),
        }
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(
            f"STOCKADE_EMAIL_URL must start with smtp://, smtps://, file:// or console://, "
            f"not {parts.scheme!r}"
        )
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("starttls", ["false"])[0].lower() == "true",
        "EMAIL_TIMEOUT": 10,
    }
