"""Second-factor settings: enrol and remove an authenticator app and security keys, see and
replace recovery codes, and a project's requirement. Thin views over ``services``.

The second step of logging in and re-authentication are in ``step_views``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stockade.audit.services import actor_from_request
from stockade.mfa import edge, projects, qr, services, totp
from stockade.mfa.exceptions import MfaError, NoSecondFactorError
from stockade.mfa.forms import ProjectPolicyForm, SecurityKeyForm, TotpCodeForm
from stockade.mfa.policy import current_policy
from stockade.mfa.reauth import reauthentication_required
from stockade.packaging.exceptions import NotACollaboratorError, PackagingError
from stockade.packaging.exceptions import PermissionDeniedError as ProjectPermissionError


@require_safe
@login_required
def mfa_settings(request: HttpRequest) -> HttpResponse:
    context = {"factors": services.summarize_factors(request.user), "policy": current_policy()}
    return render(request, "mfa/settings.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reauthentication_required
def add_totp(request: HttpRequest) -> HttpResponse:
    if services.summarize_factors(request.user).has_totp:
        messages.info(request, _("An authenticator app is already set up. Remove it first."))
        return redirect("mfa:settings")
    secret = request.session.get(edge.TOTP_ENROLMENT_KEY) or totp.new_secret()
    request.session[edge.TOTP_ENROLMENT_KEY] = secret
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.enable_totp(
                actor=actor_from_request(request), secret=secret, code=form.cleaned_data["code"]
            )
        except MfaError as e:
            form.add_error("code", str(e))
        else:
            del request.session[edge.TOTP_ENROLMENT_KEY]
            messages.success(request, _("Your authenticator app is set up."))
            return _after_first_factor(request, codes)
    uri = totp.provisioning_uri(
        secret, account=request.user.get_username(), issuer=settings.SITE_NAME
    )
    context = {"form": form, "secret": secret, "uri": uri, "qr": qr.svg_data_uri(uri)}
    return render(request, "mfa/totp_add.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reauthentication_required
def remove_totp(request: HttpRequest) -> HttpResponse:
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_totp(actor=actor_from_request(request), code=form.cleaned_data["code"])
        except MfaError as e:
            form.add_error("code", str(e))
        else:
            messages.success(request, _("Your authenticator app was removed."))
            return redirect("mfa:settings")
    return render(
        request, "mfa/totp_remove.html", {"form": form}, status=400 if form.errors else 200
    )


@require_safe
@login_required
@reauthentication_required
def add_security_key(request: HttpRequest) -> HttpResponse:
    return render(request, "mfa/webauthn_add.html", {"form": SecurityKeyForm()})


@require_POST
@login_required
@reauthentication_required
def security_key_options(request: HttpRequest) -> HttpResponse:
    options, challenge = services.begin_webauthn_registration(
        user=request.user, rp=edge.rp_for(request)
    )
    edge.keep_challenge(request, "register", challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
@login_required
@reauthentication_required
def register_security_key(request: HttpRequest) -> JsonResponse:
    body = edge.json_body(request)
    form = SecurityKeyForm({"name": body.get("name", "")})
    challenge = edge.take_challenge(request, "register")
    if not form.is_valid():
        return edge.json_error(" ".join(form.errors["name"]))
    if challenge is None or not isinstance(body.get("credential"), dict):
        return edge.json_error(_("The registration expired. Try again."))
    try:
        _stored, codes = services.add_webauthn_credential(
            actor=actor_from_request(request),
            rp=edge.rp_for(request),
            challenge=challenge,
            credential=body["credential"],
            name=form.cleaned_data["name"],
        )
    except MfaError as e:
        return edge.json_error(str(e))
    messages.success(request, _("The security key was added."))
    return JsonResponse({"redirect": _after_first_factor(request, codes).url})


@require_POST
@login_required
@reauthentication_required
def remove_security_key(request: HttpRequest, credential_pk: int) -> HttpResponse:
    try:
        services.remove_webauthn_credential(
            actor=actor_from_request(request), credential_pk=credential_pk
        )
    except MfaError as e:
        raise Http404(str(e)) from e
    messages.success(request, _("The security key was removed."))
    return redirect("mfa:settings")


@never_cache
@require_safe
@login_required
def show_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(edge.NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect("mfa:settings")
    return render(request, "mfa/recovery_codes.html", {"codes": codes})


@require_POST
@login_required
@reauthentication_required
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.regenerate_recovery_codes(actor=actor_from_request(request))
    except MfaError as e:
        messages.error(request, str(e))
        return redirect("mfa:settings")
    request.session[edge.NEW_RECOVERY_CODES] = codes
    return redirect("mfa:recovery-codes")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_policy(request: HttpRequest, project_name: str) -> HttpResponse:
    actor = actor_from_request(request)
    # An unticked box posts nothing: bind on the method, not on the data.
    form = ProjectPolicyForm(request.POST if request.method == "POST" else None)
    try:
        if request.method == "POST" and form.is_valid():
            projects.set_project_policy(
                actor=actor,
                project_name=project_name,
                require_members=form.cleaned_data["require_members"],
            )
            messages.success(request, _("The project's two-factor requirement was saved."))
            return redirect("mfa:project-policy", project_name=project_name)
        view = projects.get_project_policy(actor=actor, project_name=project_name)
    except NoSecondFactorError as e:
        messages.error(request, str(e))
        return redirect("mfa:project-policy", project_name=project_name)
    except PackagingError as e:
        # A maintainer is told no; anyone else cannot tell the project exists.
        if isinstance(e, ProjectPermissionError) and not isinstance(e, NotACollaboratorError):
            raise PermissionDenied(str(e)) from e
        raise Http404(str(e)) from e
    form = ProjectPolicyForm(initial={"require_members": view.require_members})
    return render(request, "mfa/project_policy.html", {"form": form, "view": view})


def _after_first_factor(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """Show new recovery codes once (the first factor made them), else go back to settings."""
    if codes:
        request.session[edge.NEW_RECOVERY_CODES] = codes
        return redirect(reverse("mfa:recovery-codes"))
    return redirect("mfa:settings")
