"""A plain landing page until the web UI arrives: how to install from and upload to this index."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    base = escape(settings.BASE_URL or request.build_absolute_uri("/").rstrip("/"))
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Stockade</title>'
        "</head><body><main><h1>Stockade package index</h1>"
        f"<p>Install: <code>pip install --index-url {base}/simple/ PROJECT</code></p>"
        f"<p>Upload: <code>twine upload --repository-url {base}/legacy/ dist/*</code> with "
        "username <code>__token__</code> and an API token as the password.</p>"
        "</main></body></html>"
    )
    return HttpResponse(body)
