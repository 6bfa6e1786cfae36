"""Policy ``all``: a logged-in user without a second factor may only enrol one (or log out)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from stockade.mfa.policy import has_second_factor, web_requires_factor

# Pages that are not the web UI proper (APIs authenticated by tokens, files, static assets) or
# that a user must reach to comply (enrolment, logging out, verifying an address).
_ALWAYS_OPEN = ("/legacy/", "/simple/", "/packages/", "/tuf/", "/pypi/", "/_/")


class TwoFactorPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            web_requires_factor()
            and request.user.is_authenticated
            and not self._is_open(request.path)
            and not has_second_factor(request.user.pk)
        ):
            messages.info(
                request,
                _("This index requires two-factor authentication: add a second factor first."),
            )
            return redirect("mfa:settings")
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        open_prefixes = (
            *_ALWAYS_OPEN,
            f"/{settings.STATIC_URL.lstrip('/')}",
            reverse("mfa:settings"),
            reverse("accounts:logout"),
            "/account/verify/",
        )
        return path.startswith(open_prefixes)
