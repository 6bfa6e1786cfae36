from datetime import UTC, datetime, timedelta

import pytest

from stockade.tokens.durations import parse_expiry

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations_count_from_now(text, delta):
    assert parse_expiry(text, now=NOW) == NOW + delta


def test_iso_time_without_zone_is_utc():
    assert parse_expiry("2026-02-01T12:00", now=NOW) == datetime(2026, 2, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0d", "soon", "2025-01-01", "-5d", "3y"])
def test_bad_expiry_explains_the_accepted_forms(text):
    with pytest.raises(ValueError, match="expiry"):
        parse_expiry(text, now=NOW)
