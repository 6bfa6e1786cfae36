"""API token pages under /manage/tokens/, and the leaked-token disclosure endpoint.

Thin views: a form or the disclosure module parses the input, one service acts, and the
``ERROR_STATUS`` table (applied by ``handles_token_errors``) maps exceptions to responses.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stockade.audit.services import actor_from_request, system_actor
from stockade.mfa.reauth import reauthentication_required
from stockade.packaging.services import list_projects_for_user
from stockade.tokens import disclosure, services
from stockade.tokens.exceptions import (
    BadSignatureError,
    DisclosureError,
    MalformedReportError,
    ReportTooLargeError,
    TokenManagementError,
    TokenNotFoundError,
    TokenProjectNotAllowedError,
    UnknownReporterError,
    UnsignedReportError,
)
from stockade.tokens.forms import CreateTokenForm

ERROR_STATUS: dict[type[Exception], int] = {
    TokenNotFoundError: 404,
    TokenProjectNotAllowedError: 403,
    UnsignedReportError: 401,
    UnknownReporterError: 403,
    BadSignatureError: 403,
    MalformedReportError: 400,
    ReportTooLargeError: 413,
}


def handles_token_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer token errors: JSON for the disclosure API, error pages for the browser."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DisclosureError as e:
            return JsonResponse({"error": str(e)}, status=ERROR_STATUS.get(type(e), 400))
        except TokenManagementError as e:
            status = ERROR_STATUS.get(type(e), 400)
            if status == 404:
                raise Http404(str(e)) from e
            raise PermissionDenied(str(e)) from e

    return wrapper


@require_safe
@login_required
def list_tokens(request: HttpRequest) -> HttpResponse:
    tokens = services.list_tokens(user=request.user)
    return render(request, "tokens/list_tokens.html", {"tokens": tokens})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required
@handles_token_errors
def create_token(request: HttpRequest) -> HttpResponse:
    project_names = [
        (role.project.normalized_name, role.project.name)
        for role in list_projects_for_user(user=request.user)
    ]
    form = CreateTokenForm(
        request.POST if request.method == "POST" else None, project_names=project_names
    )
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "tokens/create_token.html", {"form": form}, status=status)
    token, secret = services.create_token_for_user(
        actor=actor_from_request(request),
        name=form.cleaned_data["name"],
        projects=form.cleaned_data["projects"],
        expires=form.cleaned_data["expires"],
    )
    # Rendered straight from the POST (never stored in the session or a redirect) and never
    # cached: this response is the only time the secret exists outside its owner's hands.
    return render(request, "tokens/token_created.html", {"token": token, "secret": secret})


@require_http_methods(["GET", "POST"])
@login_required
@handles_token_errors
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    if request.method == "POST":
        token = services.revoke_own_token(actor=actor_from_request(request), token_id=token_id)
        messages.success(request, _("Revoked the token %(name)s.") % {"name": token.name})
        return redirect("tokens:list-tokens")
    token = services.get_own_token(user=request.user, token_id=token_id)
    return render(request, "tokens/revoke_token.html", {"token": token})


@csrf_exempt
@require_POST
@handles_token_errors
def disclose_token(request: HttpRequest) -> HttpResponse:
    """Accept a signed leaked-token report (docs/secret-scanning.md); answer per token."""
    body = _read_limited_body(request, disclosure.MAX_BODY_BYTES)
    reporter = disclosure.verify_report_signature(
        reporter=request.headers.get(disclosure.REPORTER_HEADER, ""),
        signature=request.headers.get(disclosure.SIGNATURE_HEADER, ""),
        body=body,
    )
    reports = disclosure.parse_reports(body)
    results = services.revoke_disclosed_tokens(
        actor=system_actor(), reporter=reporter, reports=reports
    )
    answer = [
        {
            "token_sha256": hashlib.sha256(r.report.token.encode()).hexdigest(),
            "type": r.report.type,
            "status": r.status,
        }
        for r in results
    ]
    return JsonResponse(answer, safe=False)


def _read_limited_body(request: HttpRequest, limit: int) -> bytes:
    # Refuse by the declared length first, then read at most one byte past the limit, so an
    # oversized or lying request never fills memory.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ReportTooLargeError(limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise ReportTooLargeError(limit)
    return body
