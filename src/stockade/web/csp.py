"""The Content-Security-Policy of the public pages.

README HTML is sanitized when it is uploaded; this policy is the second line of defence. Only
the site's own scripts and styles may run or apply (nothing inline), pictures may come from any
HTTPS host (READMEs link badges and screenshots), and nothing may frame the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

View = Callable[..., HttpResponse]


def content_security_policy(view: View) -> View:
    """Decorate a view so its responses carry ``POLICY`` unless they set their own."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

    return wrapped
