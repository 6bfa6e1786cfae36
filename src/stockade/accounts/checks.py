"""System checks: a rate setting that cannot be parsed stops start-up, naming the variable."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from stockade.ratelimit import Rate

RATE_SETTINGS = (
    "STOCKADE_LOGIN_RATE",
    "STOCKADE_SIGNUP_RATE",
    "STOCKADE_PASSWORD_RESET_RATE",
    "STOCKADE_EMAIL_RATE",
)


def check_rate_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in RATE_SETTINGS:
        try:
            Rate.parse(getattr(settings, name))
        except (AttributeError, ValueError) as e:
            errors.append(Error(f"{name}: {e}", id="stockade.accounts.E001"))
    return errors
