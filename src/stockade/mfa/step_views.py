"""The second step of logging in, and re-authentication before sensitive actions.

Logging in: ``accounts.views.LoginView`` checks the password; for a user with a second factor it
calls ``begin_second_step`` instead of starting a session, and the user lands on ``verify``.
Only a passed second step calls ``login()``. Failures are limited per user and per client
address (``throttles``), recorded (``mfa:second-step-failed``) and mailed to the user.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from stockade.accounts import services as account_services
from stockade.accounts import throttles as account_throttles
from stockade.accounts.exceptions import InvalidCredentialsError
from stockade.accounts.models import User
from stockade.audit.services import actor_from_request
from stockade.mfa import edge, pending, reauth, services, throttles
from stockade.mfa.exceptions import MfaError
from stockade.mfa.forms import ReauthenticateForm, RecoveryCodeForm, TotpCodeForm
from stockade.mfa.pending import PendingStep
from stockade.mfa.policy import has_second_factor


def needs_second_step(user: User) -> bool:
    """Return whether logging in as ``user`` takes a second step after the password."""
    return has_second_factor(user.pk)


def begin_second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Remember that ``user`` passed the password, and send them to the second step."""
    pending.begin(request, user=user, purpose="login", next_url=next_url)
    return redirect("mfa:verify")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    step, user = _pending(request)
    if step is None or user is None:
        return _expired(request)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hits = throttles.hit_second_step(request, user_id=user.pk)
        if refused := _refused(request, user, hits, "totp"):
            return refused
        try:
            services.verify_totp(
                actor=actor_from_request(request), user=user, code=form.cleaned_data["code"]
            )
        except MfaError as e:
            form.add_error("code", str(e))
        else:
            throttles.refund(hits)
            return _complete(request, step, user)
    factors = services.summarize_factors(user)
    context = {"form": form, "factors": factors, "step": step}
    return render(request, "mfa/verify.html", context, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_recovery(request: HttpRequest) -> HttpResponse:
    step, user = _pending(request)
    if step is None or user is None:
        return _expired(request)
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hits = throttles.hit_second_step(request, user_id=user.pk)
        if refused := _refused(request, user, hits, "recovery-code"):
            return refused
        try:
            remaining = services.use_recovery_code(
                actor=actor_from_request(request), user=user, code=form.cleaned_data["code"]
            )
        except MfaError as e:
            form.add_error("code", str(e))
        else:
            throttles.refund(hits)
            messages.warning(request, _remaining_message(remaining))
            return _complete(request, step, user)
    return render(
        request, "mfa/verify_recovery.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
def security_key_challenge(request: HttpRequest) -> HttpResponse:
    step, user = _pending(request)
    if step is None or user is None:
        return edge.json_error(_("The login expired. Start again."), status=403)
    options, challenge = services.begin_webauthn_authentication(user=user, rp=edge.rp_for(request))
    edge.keep_challenge(request, "authenticate", challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
def security_key_answer(request: HttpRequest) -> JsonResponse:
    step, user = _pending(request)
    challenge = edge.take_challenge(request, "authenticate")
    credential = edge.json_body(request).get("credential")
    if step is None or user is None or challenge is None or not isinstance(credential, dict):
        return edge.json_error(_("The login expired. Start again."), status=403)
    hits = throttles.hit_second_step(request, user_id=user.pk)
    if account_throttles.first_refusal_of(hits):
        services.record_second_step_failure(
            actor=actor_from_request(request),
            user=user,
            method="webauthn",
            reason="rate-limited",
            notify=False,
        )
        return edge.json_error(_("Too many attempts. Wait a few minutes."), status=429)
    try:
        services.verify_webauthn(
            actor=actor_from_request(request),
            user=user,
            rp=edge.rp_for(request),
            challenge=challenge,
            credential=credential,
        )
    except MfaError as e:
        return edge.json_error(str(e))
    throttles.refund(hits)
    return JsonResponse({"redirect": _complete(request, step, user).url})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = ReauthenticateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hits = account_throttles.hit_login(request, username=request.user.get_username())
        if refused := account_throttles.first_refusal_of(hits):
            return account_throttles.too_many_requests(request, refused)
        try:
            account_services.authenticate_user(
                actor=actor_from_request(request),
                username=request.user.get_username(),
                password=form.cleaned_data["password"],
            )
        except InvalidCredentialsError:
            form.add_error("password", _("That password is not right."))
        else:
            account_throttles.refund(hits)
            if not has_second_factor(request.user.pk):
                reauth.mark_reauthenticated(request)
                return redirect(next_url)
            pending.begin(request, user=request.user, purpose="reauth", next_url=next_url)
            return redirect("mfa:verify")
    context = {"form": form, "next": next_url}
    return render(request, "mfa/reauthenticate.html", context, status=400 if form.errors else 200)


def _pending(request: HttpRequest) -> tuple[PendingStep | None, User | None]:
    step = pending.current(request)
    return step, (pending.user_of(step) if step is not None else None)


def _complete(request: HttpRequest, step: PendingStep, user: User) -> HttpResponse:
    """Start the session (login) or note the re-authentication, then go where the user was."""
    pending.finish(request)
    if step.purpose == "reauth":
        reauth.mark_reauthenticated(request)
        return redirect(step.next_url)
    with transaction.atomic():
        auth_login(request, user, backend=step.backend)
        account_services.record_login(actor=actor_from_request(request))
    return redirect(step.next_url)


def _refused(
    request: HttpRequest, user: User, hits: list[throttles.Hit], method: services.Method
) -> HttpResponse | None:
    refused = account_throttles.first_refusal_of(hits)
    if refused is None:
        return None
    services.record_second_step_failure(
        actor=actor_from_request(request),
        user=user,
        method=method,
        reason="rate-limited",
        notify=False,
    )
    return account_throttles.too_many_requests(request, refused)


def _expired(request: HttpRequest) -> HttpResponse:
    pending.finish(request)
    messages.error(request, _("The login took too long or was not started. Log in again."))
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    return redirect("accounts:login")


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("accounts:settings")


def _remaining_message(remaining: int) -> str:
    if remaining == 0:
        return _("You used your last recovery code. Make new ones now in the two-factor settings.")
    return ngettext(
        "You used a recovery code; %(count)d is left. Make new ones in the two-factor settings "
        "if you lost your device.",
        "You used a recovery code; %(count)d are left. Make new ones in the two-factor settings "
        "if you lost your device.",
        remaining,
    ) % {"count": remaining}
