"""Re-authentication before sensitive actions.

The session remembers when its user last proved who they are: at login (any login, through
``user_logged_in``) and at each re-authentication. A view decorated with
``reauthentication_required`` runs only when that was less than ``STOCKADE_REAUTH_MINUTES``
ago; otherwise the user is sent to enter their password (and second factor, if any) again and
then comes back. A re-authentication also counts for ``GRACE_SECONDS`` whatever the setting,
so that with ``STOCKADE_REAUTH_MINUTES=0`` (ask every time) the action it was asked for can
still be completed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

AUTHENTICATED_AT = "mfa:authenticated-at"
REAUTHENTICATED_AT = "mfa:reauthenticated-at"
GRACE_SECONDS = 120

View = Callable[..., HttpResponse]


def note_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receive ``user_logged_in``: the session starts authenticated now."""
    if request is not None and hasattr(request, "session"):
        request.session[AUTHENTICATED_AT] = time.time()


def mark_reauthenticated(request: HttpRequest) -> None:
    now = time.time()
    request.session[AUTHENTICATED_AT] = now
    request.session[REAUTHENTICATED_AT] = now


def reauth_minutes() -> int:
    return int(getattr(settings, "STOCKADE_REAUTH_MINUTES", 15))


def is_recently_authenticated(request: HttpRequest, *, now: float | None = None) -> bool:
    """Return whether the session's user proved who they are recently enough."""
    now = time.time() if now is None else now
    authenticated = request.session.get(AUTHENTICATED_AT)
    if isinstance(authenticated, int | float) and now - authenticated < reauth_minutes() * 60:
        return True
    reauthenticated = request.session.get(REAUTHENTICATED_AT)
    return isinstance(reauthenticated, int | float) and now - reauthenticated < GRACE_SECONDS


def reauthentication_required(view: View) -> View:
    """Decorate a view of a sensitive action: ask for the password and factor again if stale.

    Put it inside ``login_required``. A GET comes back to the same page afterwards; a POST
    comes back to the page it was sent from (the form is shown again, nothing is done yet).
    Requests that ask for JSON (the WebAuthn ceremony) get a 403 naming the page instead.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated or is_recently_authenticated(request):
            return view(request, *args, **kwargs)
        url = f"{reverse('mfa:reauthenticate')}?{urlencode({'next': _return_url(request)})}"
        if "application/json" in request.headers.get("Accept", ""):
            message = _("Confirm your password again to continue.")
            return JsonResponse({"error": message, "reauthenticate": url}, status=403)
        return redirect(url)

    return wrapped


def _return_url(request: HttpRequest) -> str:
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("accounts:settings")
