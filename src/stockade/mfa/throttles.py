"""Rate limits of the second step: failures per user and per client address.

``STOCKADE_2FA_RATE`` (default ``5/5m``) applies to each. Hits are counted before a code is
checked and refunded on success, so only failures use up the budget.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from stockade.accounts.throttles import Hit, first_refusal_of, refund
from stockade.clientip import client_ip
from stockade.ratelimit import RateLimit, ip_identifier

__all__ = ["Hit", "first_refusal_of", "hit_second_step", "refund"]


def hit_second_step(request: HttpRequest, *, user_id: int) -> list[Hit]:
    """Count one second-step attempt for the user and for the client address."""
    rate = getattr(settings, "STOCKADE_2FA_RATE", "5/5m")
    client = ip_identifier(client_ip(request) or "unknown")
    hits = []
    for scope, identifier in (("mfa-user", str(user_id)), ("mfa-ip", client)):
        limit = RateLimit(scope, rate)
        hits.append(Hit(limit, limit.hit(identifier)))
    return hits
