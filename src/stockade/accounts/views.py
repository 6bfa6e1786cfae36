"""Account pages. Thin views: rate-limit, parse with a form, call one service, respond.

Django's own auth views do the session work (log in and out, password change and reset); their
forms call ``accounts.services`` so every security-relevant action stays in one service function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stockade.accounts import services, throttles
from stockade.accounts.exceptions import (
    AccountError,
    EmailInUseError,
    EmailNotFoundError,
    InvalidPasswordError,
    UserExistsError,
    VerificationLinkError,
)
from stockade.accounts.forms import (
    AddEmailForm,
    ChangePasswordForm,
    LoginForm,
    PasswordResetRequestForm,
    RegistrationForm,
    ResetPasswordForm,
)
from stockade.accounts.models import Email
from stockade.audit.services import actor_from_request
from stockade.mfa import step_views as mfa_steps
from stockade.mfa.reauth import reauthentication_required
from stockade.web.views import base_url


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        if refused := throttles.check_signup(request):
            return throttles.too_many_requests(request, refused)
        if form.is_valid():
            try:
                services.register_user(
                    actor=actor_from_request(request),
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    base_url=base_url(request),
                )
            except (UserExistsError, EmailInUseError, InvalidPasswordError) as e:
                form.add_error(None, str(e))
            else:
                return redirect("accounts:register-done")
    return render(request, "accounts/register.html", {"form": form})


@require_safe
def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


class LoginView(auth_views.LoginView):
    """Django's login view, limited per user name and per client address.

    Failed attempts are recorded by ``services.authenticate_user`` (through the form), refused
    ones here; a success is recorded in the transaction that starts the session.
    """

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        self.hits = throttles.hit_login(request, username=username)
        if refused := throttles.first_refusal_of(self.hits):
            services.record_failed_login(
                actor=actor_from_request(request), username=username, reason="rate-limited"
            )
            return throttles.too_many_requests(request, refused)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if mfa_steps.needs_second_step(user):
            # The password was right, so it stops counting against the limits; only the
            # second step (stockade.mfa) starts a session.
            throttles.refund(self.hits)
            return mfa_steps.begin_second_step(self.request, user, self.get_success_url())
        with transaction.atomic():
            response = super().form_valid(form)
            services.record_login(actor=actor_from_request(self.request))
        # Only failed attempts count against the limits.
        throttles.refund(self.hits)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().post(request, *args, **kwargs)
        with transaction.atomic():
            # The actor is taken before the session ends, while it still names the user.
            services.record_logout(actor=actor_from_request(request))
            return super().post(request, *args, **kwargs)


@method_decorator(reauthentication_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:settings")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "actor": actor_from_request(self.request)}

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link; the answer is the same whether or not the address is known."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refused := throttles.check_password_reset(request):
            return throttles.too_many_requests(request, refused)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "actor": actor_from_request(self.request)}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_safe
def account_settings(request: HttpRequest) -> HttpResponse:
    return _render_settings(request, AddEmailForm())


@login_required
@require_POST
@reauthentication_required
def add_email(request: HttpRequest) -> HttpResponseBase:
    form = AddEmailForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, form, status=400)
    if refused := throttles.check_email_sending(request):
        return throttles.too_many_requests(request, refused)
    try:
        address = services.add_email(
            actor=actor_from_request(request),
            email=form.cleaned_data["email"],
            base_url=base_url(request),
        )
    except EmailInUseError as e:
        form.add_error("email", str(e))
        return _render_settings(request, form, status=400)
    messages.success(
        request,
        _("Added %(email)s. Follow the link we sent there to verify it.")
        % {"email": address.email},
    )
    return redirect("accounts:settings")


@login_required
@require_POST
def resend_verification(request: HttpRequest, email_id: int) -> HttpResponseBase:
    if refused := throttles.check_email_sending(request):
        return throttles.too_many_requests(request, refused)
    return _email_action(
        request,
        lambda: services.resend_verification_email(
            actor=actor_from_request(request), email_id=email_id, base_url=base_url(request)
        ),
        _("We sent a new verification link to %(email)s."),
    )


@login_required
@require_POST
def remove_email(request: HttpRequest, email_id: int) -> HttpResponseBase:
    return _email_action(
        request,
        lambda: services.remove_email(actor=actor_from_request(request), email_id=email_id),
        _("The address was removed."),
    )


@login_required
@require_POST
@reauthentication_required
def set_primary_email(request: HttpRequest, email_id: int) -> HttpResponseBase:
    return _email_action(
        request,
        lambda: services.set_primary_email(actor=actor_from_request(request), email_id=email_id),
        _("%(email)s is now your primary address."),
    )


@require_safe
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        address = services.verify_email(actor=actor_from_request(request), token=token)
    except VerificationLinkError as e:
        return render(request, "accounts/verify_failed.html", {"error": str(e)}, status=400)
    messages.success(request, _("%(email)s is verified.") % {"email": address.email})
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    return redirect("accounts:login")


def _email_action(
    request: HttpRequest, action: Callable[[], Email | None], success: str
) -> HttpResponseBase:
    """Run one email service; on success flash ``success`` and go back to the settings page."""
    try:
        address = action()
    except EmailNotFoundError as e:
        raise Http404(str(e)) from e
    except AccountError as e:
        messages.error(request, str(e))
        return _render_settings(request, AddEmailForm(), status=400)
    messages.success(request, success % {"email": address.email} if address else success)
    return redirect("accounts:settings")


def _render_settings(
    request: HttpRequest, add_form: AddEmailForm, status: int = 200
) -> HttpResponse:
    context = {
        "emails": request.user.emails.order_by("-primary", "email"),
        "add_form": add_form,
    }
    return render(request, "accounts/settings.html", context, status=status)
