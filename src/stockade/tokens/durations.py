"""Parse the expiry that people type: ``30d``, ``12h``, ``90m``, ``2w`` or an ISO 8601 time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_expiry(text: str, *, now: datetime) -> datetime:
    """Return the moment ``text`` names, relative to ``now`` for durations.

    Raises:
        ValueError: with a message that shows the accepted forms.
    """
    text = text.strip()
    match = re.fullmatch(r"(\d+)\s*([smhdw])", text)
    if match:
        amount = int(match.group(1))
        if amount <= 0:
            raise ValueError("an expiry duration must be positive")
        return now + timedelta(**{_UNITS[match.group(2)]: amount})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(
            f"cannot read expiry {text!r}: use a duration such as 30d, 12h, 90m, 2w "
            "or a date such as 2027-01-31T12:00Z"
        ) from e
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment <= now:
        raise ValueError(f"expiry {text!r} is in the past")
    return moment
