"""The second step in progress, kept in the session between the password and the factor.

After a correct password, a user with a second factor gets no session yet: the session holds
only "user N passed the password, wants to go to URL", for ``PENDING_SECONDS``. The same
structure serves re-authentication (``purpose="reauth"``), where the user is logged in already.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Literal

from django.http import HttpRequest

from stockade.accounts.models import User

SESSION_KEY = "mfa:pending"
PENDING_SECONDS = 300
Purpose = Literal["login", "reauth"]


@dataclass(frozen=True)
class PendingStep:
    user_id: int
    purpose: Purpose
    next_url: str
    started: float
    backend: str = "django.contrib.auth.backends.ModelBackend"


def begin(request: HttpRequest, *, user: User, purpose: Purpose, next_url: str) -> PendingStep:
    step = PendingStep(
        user_id=user.pk,
        purpose=purpose,
        next_url=next_url,
        started=time.time(),
        backend=getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
    )
    request.session[SESSION_KEY] = asdict(step)
    return step


def current(request: HttpRequest, *, now: float | None = None) -> PendingStep | None:
    """Return the step in progress, or None when there is none or it is too old."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        step = PendingStep(**data)
    except TypeError:
        return None
    now = time.time() if now is None else now
    if now - step.started > PENDING_SECONDS:
        return None
    if step.purpose == "reauth" and request.user.pk != step.user_id:
        return None
    return step


def user_of(step: PendingStep) -> User | None:
    return User.objects.filter(pk=step.user_id, is_active=True).first()


def finish(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
