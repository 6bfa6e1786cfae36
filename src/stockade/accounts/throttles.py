"""The account pages' rate limits, and the 429 page a limited request gets.

Rates come from settings (``STOCKADE_LOGIN_RATE`` and friends), read on each request so tests
and operators can change them without a restart of the import machinery. Counters live in the
cache (see ``stockade.ratelimit``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from stockade.clientip import client_ip
from stockade.ratelimit import Decision, RateLimit, first_refusal, ip_identifier


@dataclass(frozen=True)
class Hit:
    """One counted hit, kept so a successful attempt can be refunded."""

    limit: RateLimit
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    @property
    def retry_after(self) -> int:
        return self.decision.retry_after


def _hit(scope: str, rate: str, identifier: str) -> Hit:
    limit = RateLimit(scope, rate)
    return Hit(limit, limit.hit(identifier))


def _client(request: HttpRequest) -> str:
    # Clients without a valid address share one bucket.
    return ip_identifier(client_ip(request) or "unknown")


def hit_login(request: HttpRequest, *, username: str) -> list[Hit]:
    """Count a login attempt per user name (any case) and per client address."""
    rate = settings.STOCKADE_LOGIN_RATE
    return [
        _hit("login-user", rate, username.strip().lower()),
        _hit("login-ip", rate, _client(request)),
    ]


def refund(hits: list[Hit]) -> None:
    """Take back ``hits``: the attempt succeeded, and only failures count."""
    for hit in hits:
        hit.limit.refund(hit.decision)


def check_signup(request: HttpRequest) -> Hit | None:
    """Count a sign-up attempt per client address; return the refusal, if any."""
    return first_refusal_of([_hit("signup-ip", settings.STOCKADE_SIGNUP_RATE, _client(request))])


def check_password_reset(request: HttpRequest) -> Hit | None:
    """Count a reset request per client address and per address asked for."""
    rate = settings.STOCKADE_PASSWORD_RESET_RATE
    email = request.POST.get("email", "").strip().lower()
    return first_refusal_of(
        [_hit("reset-ip", rate, _client(request)), _hit("reset-email", rate, email)]
    )


def check_email_sending(request: HttpRequest) -> Hit | None:
    """Count a verification mail that the logged-in user asks for."""
    return first_refusal_of(
        [_hit("email-user", settings.STOCKADE_EMAIL_RATE, str(request.user.pk))]
    )


def first_refusal_of(hits: list[Hit]) -> Hit | None:
    """Return the refused hit that lasts longest, or ``None`` when all are allowed."""
    refused = first_refusal([hit.decision for hit in hits])
    return next((hit for hit in hits if hit.decision is refused), None)


def too_many_requests(request: HttpRequest, hit: Hit | Decision) -> HttpResponse:
    """Answer 429 with a page, and a ``Retry-After`` header, saying when to try again."""
    retry_after = hit.retry_after
    context = {
        "retry_after": retry_after,
        "retry_minutes": math.ceil(retry_after / 60),
        "retry_at": timezone.now() + timedelta(seconds=retry_after),
    }
    response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
